package testkit

import (
	"bytes"
	"encoding/base64"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"sync"
	"sync/atomic"
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

// ConnectProxy is a forward proxy on loopback, as an https request meets
// one through HTTPS_PROXY: it tunnels a CONNECT to a loopback address
// once the CONNECT carries the Basic credentials it was made with in its
// Proxy-Authorization header, and answers any other CONNECT 407 Proxy
// Authentication Required with a Basic challenge, as squid does; a
// request that is no CONNECT gets 405. It closes with the test, its
// tunnels with it.
type ConnectProxy struct {
	*httptest.Server
	want string // the Proxy-Authorization header it lets through
	mu   sync.Mutex
	open []net.Conn
	// tunnels and refused count the CONNECTs tunnelled and refused.
	tunnels, refused atomic.Int32
}

// NewConnectProxy starts a ConnectProxy letting through the CONNECTs
// whose credentials are user and pass.
func NewConnectProxy(t testing.TB, user, pass string) *ConnectProxy {
	t.Helper()
	p := &ConnectProxy{want: "Basic " + base64.StdEncoding.EncodeToString([]byte(user+":"+pass))}
	p.Server = httptest.NewServer(http.HandlerFunc(p.serve))
	t.Cleanup(func() {
		p.Close()
		p.mu.Lock()
		defer p.mu.Unlock()
		for _, c := range p.open {
			_ = c.Close()
		}
	})
	return p
}

// ProxyURL is the proxy's URL with user and pass as its user
// information, as HTTPS_PROXY would hold it.
func (p *ConnectProxy) ProxyURL(user, pass string) *url.URL {
	u, _ := url.Parse(p.URL)
	u.User = url.UserPassword(user, pass)
	return u
}

// Tunnels is the number of CONNECTs tunnelled.
func (p *ConnectProxy) Tunnels() int { return int(p.tunnels.Load()) }

// Refused is the number of CONNECTs answered 407.
func (p *ConnectProxy) Refused() int { return int(p.refused.Load()) }

func (p *ConnectProxy) serve(w http.ResponseWriter, r *http.Request) {
	host, _, _ := net.SplitHostPort(r.Host)
	switch {
	case r.Method != http.MethodConnect:
		w.WriteHeader(http.StatusMethodNotAllowed)
		return
	case r.Header.Get("Proxy-Authorization") != p.want:
		p.refused.Add(1)
		w.Header().Set("Proxy-Authenticate", `Basic realm="proxy"`)
		w.WriteHeader(http.StatusProxyAuthRequired)
		return
	case !isLoopback(host):
		w.WriteHeader(http.StatusForbidden) // only loopback, ever
		return
	}
	backend, err := net.Dial("tcp", r.Host)
	if err != nil {
		w.WriteHeader(http.StatusBadGateway)
		return
	}
	client, buf, err := w.(http.Hijacker).Hijack()
	if err != nil {
		_ = backend.Close()
		return
	}
	p.mu.Lock()
	p.open = append(p.open, client, backend)
	p.mu.Unlock()
	p.tunnels.Add(1)
	_, _ = buf.WriteString("HTTP/1.1 200 Connection established\r\n\r\n")
	_ = buf.Flush()
	go func() {
		_, _ = io.Copy(backend, buf.Reader) // what the client sent after the CONNECT, then the rest
		_ = backend.Close()
	}()
	go func() {
		_, _ = io.Copy(client, backend)
		_ = client.Close()
	}()
}

// isLoopback reports whether host is a loopback address or localhost.
func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// Cut closes the connection of w's request without an answer. In a
// handler of transporttest's recording backend, call its Cut instead, so
// that the backend records no status.
func Cut(w http.ResponseWriter) {
	if conn, _, err := http.NewResponseController(w).Hijack(); err == nil {
		_ = conn.Close()
	}
}
