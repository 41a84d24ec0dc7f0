package httpx

import (
	"context"
	"errors"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/injectkit/injectkit/internal/httpx/httpxtest"
	"github.com/injectkit/injectkit/internal/testkit"
)

// r13 finding 2: an attempt that never got a connection to send its
// request on (a dial refused or timed out, a TLS handshake refused or
// unanswered, a proxy's CONNECT refused) never reached the server: it is
// not counted as unanswered (HTTPError.Unanswered), which would say the
// server may hold the request. One cut once the request went out is.
func TestPosterUnansweredOnlyOnceSent(t *testing.T) {
	tests := []struct {
		name string
		// target returns the URL posted to and the client posting it;
		// reached counts the requests a server behind it received.
		target func(t *testing.T, reached *atomic.Int32) (string, *http.Client)
		want   int
	}{
		{"dial refused", func(t *testing.T, _ *atomic.Int32) (string, *http.Client) {
			return "http://127.0.0.1:" + strconv.Itoa(testkit.ClosedPort(t, "tcp4", "127.0.0.1:0")) + "/x", NewDefaultClient()
		}, 0},
		{"TLS certificate refused", func(t *testing.T, reached *atomic.Int32) (string, *http.Client) {
			srv := httptest.NewTLSServer(counting(reached))
			srv.Config.ErrorLog = log.New(io.Discard, "", 0) // the handshake refused
			t.Cleanup(srv.Close)
			return srv.URL + "/x", NewDefaultClient()
		}, 0},
		{"TLS handshake unanswered", func(t *testing.T, _ *atomic.Int32) (string, *http.Client) {
			l := testkit.Listen(t, "tcp4", "127.0.0.1:0", "") // accepts, never speaks
			return "https://127.0.0.1:" + strconv.Itoa(l.Port) + "/x", NewDefaultClient()
		}, 0},
		{"proxy CONNECT refused", func(t *testing.T, reached *atomic.Int32) (string, *http.Client) {
			proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if r.Method != http.MethodConnect {
					reached.Add(1)
				}
				w.WriteHeader(http.StatusForbidden)
			}))
			t.Cleanup(proxy.Close)
			hc := NewDefaultClient()
			u, _ := url.Parse(proxy.URL)
			Transport(hc).Proxy = http.ProxyURL(u)
			return "https://127.0.0.1:" + strconv.Itoa(testkit.ClosedPort(t, "tcp4", "127.0.0.1:0")) + "/x", hc
		}, 0},
		{"connection cut once the request went out", func(t *testing.T, reached *atomic.Int32) (string, *http.Client) {
			srv := testkit.NewBackendFunc(t, func(_ int, w http.ResponseWriter, _ *http.Request) {
				reached.Add(1)
				testkit.Cut(w)
			})
			return srv.URL + "/x", NewDefaultClient()
		}, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var reached atomic.Int32
			target, hc := tt.target(t, &reached)
			p := Poster{Client: hc, Timer: &httpxtest.Timer{}, Attempts: 2, Timeout: 200 * time.Millisecond}
			_, err := p.Do(context.Background(), Request{Op: "callback", URL: target, Body: []byte(`{}`)})
			var he *HTTPError
			if !errors.As(err, &he) {
				t.Fatalf("Do = %v, want an *HTTPError", err)
			}
			if he.Unanswered != tt.want {
				t.Errorf("Unanswered = %d after %d attempts (%v), want %d", he.Unanswered, he.Attempts, err, tt.want)
			}
			if got := int(reached.Load()); got != tt.want {
				t.Errorf("the server received %d requests, want %d", got, tt.want)
			}
		})
	}
}

// counting is a handler counting the requests it gets in n, answering 200.
func counting(n *atomic.Int32) http.Handler {
	return http.HandlerFunc(func(http.ResponseWriter, *http.Request) { n.Add(1) })
}
