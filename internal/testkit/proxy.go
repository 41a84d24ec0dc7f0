package testkit

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"sync"
	"testing"
)

// ReverseProxy returns a reverse proxy to target, a test server's URL: the
// front of a test that passes some requests on and cuts, holds or alters
// others. It fails t when target is no URL.
func ReverseProxy(t testing.TB, target string) *httputil.ReverseProxy {
	t.Helper()
	u, err := url.Parse(target)
	if err != nil {
		t.Fatalf("proxy target: %v", err)
	}
	return httputil.NewSingleHostReverseProxy(u)
}

// FaultProxy is a loopback server in front of target (ReverseProxy) that
// hands the first n requests whose body holds match to fault, with the
// proxy for it to pass a request on (a lost answer: forward it, then
// Cut), and forwards every other request. It closes with the test.
func FaultProxy(t testing.TB, target string, n int, match []byte, fault func(w http.ResponseWriter, r *http.Request, forward http.Handler)) *httptest.Server {
	t.Helper()
	forward := ReverseProxy(t, target)
	var mu sync.Mutex
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		r.Body = io.NopCloser(bytes.NewReader(b))
		mu.Lock()
		hit := n > 0 && bytes.Contains(b, match)
		if hit {
			n--
		}
		mu.Unlock()
		if hit {
			fault(w, r, forward)
			return
		}
		forward.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	return srv
}

// LoseAnswer is a FaultProxy fault: the request goes on to the target,
// whose answer is dropped, the client's connection cut.
func LoseAnswer(w http.ResponseWriter, r *http.Request, forward http.Handler) {
	forward.ServeHTTP(httptest.NewRecorder(), r)
	Cut(w)
}

// Envoy's local replies (a 503, text/plain) to a request whose server
// reset the connection after it was made (response flag UC: the request
// may have reached it), and to one whose connection failed (UF: never
// sent).
const (
	EnvoyResetBody       = "upstream connect error or disconnect/reset before headers. reset reason: connection termination"
	EnvoyNeverSentBody   = "upstream connect error or disconnect/reset before headers. reset reason: remote connection failure, transport failure reason: delayed connect error: 111"
	envoyLocalReplyCType = "text/plain"
)

// EnvoyReset is a FaultProxy fault: the request goes on to the target,
// whose answer is dropped, and the client gets Envoy's 503 after a
// reset (EnvoyResetBody), as Istio answers when the server took the
// body and reset the connection.
func EnvoyReset(w http.ResponseWriter, r *http.Request, forward http.Handler) {
	forward.ServeHTTP(httptest.NewRecorder(), r)
	EnvoyAnswer(w, EnvoyResetBody)
}

// EnvoyAnswer writes Envoy's local reply body, a 503.
func EnvoyAnswer(w http.ResponseWriter, body string) {
	w.Header().Set("Content-Type", envoyLocalReplyCType)
	w.Header().Set("Server", "envoy")
	w.WriteHeader(http.StatusServiceUnavailable)
	_, _ = io.WriteString(w, body)
}
