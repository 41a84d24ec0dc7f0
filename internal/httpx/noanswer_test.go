package httpx

import (
	"bufio"
	"context"
	"errors"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/injectkit/injectkit/internal/httpx/httpxtest"
	"github.com/injectkit/injectkit/internal/testkit"
	"github.com/injectkit/injectkit/transport/transporttest/recorder"
)

// t67: an attempt its timeout cuts short, before the answer or while its
// body is read, says "no answer within" the limit, never the "context
// deadline exceeded" that reads as the run's own --timeout; it stays a
// timeout (errors.Is context.DeadlineExceeded, a net.Error timing out)
// and is retried.
func TestPosterNoAnswer(t *testing.T) {
	tests := []struct {
		name    string
		partial bool // headers and part of the body sent, then nothing
	}{
		{"no answer", false},
		{"reply cut short", true},
	}
	for _, tt := range tests {
		// Under synctest, over in-memory connections: the clock moves
		// only once every goroutine waits, so each attempt connects and
		// sends before its 20 ms end, however loaded the machine (with a
		// real clock and loopback, the second attempt's dial outran them
		// in 1 run of 100, Unanswered called for [1] only).
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				hc := NewDefaultClient()
				defer hc.CloseIdleConnections()
				Transport(hc).DialContext = dialWhole(func(context.Context, string, string) (net.Conn, error) {
					client, server := net.Pipe()
					go func() {
						defer server.Close()
						br := bufio.NewReader(server)
						req, err := http.ReadRequest(br)
						if err != nil {
							t.Errorf("server: %v", err)
							return
						}
						_, _ = io.Copy(io.Discard, req.Body)
						if tt.partial {
							_, _ = io.WriteString(server, "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n{")
						}
						_, _ = io.Copy(io.Discard, br) // hangs until the client leaves
					}()
					return client, nil
				})
				p := Poster{Client: hc, Timer: &httpxtest.Timer{}, Attempts: 2, Timeout: 20 * time.Millisecond}
				var unanswered []int // Request.Unanswered's calls
				_, err := p.Do(context.Background(), Request{Op: "callback", URL: "http://backend.test/x", Body: []byte(`{}`),
					Unanswered: func(n int) { unanswered = append(unanswered, n) }})
				var he *HTTPError
				if !errors.As(err, &he) || he.Attempts != 2 || !errors.Is(err, ErrRetriesExhausted) {
					t.Fatalf("Do = %v, want both attempts made, retries exhausted", err)
				}
				if !tt.partial && (len(unanswered) != 2 || unanswered[0] != 1 || unanswered[1] != 2) {
					t.Errorf("Unanswered called for attempts %v, want [1 2]", unanswered)
				}
				msg := err.Error()
				if !strings.Contains(msg, "no answer within 20ms (the limit of one attempt, its reply included)") ||
					strings.Contains(msg, "deadline exceeded") {
					t.Errorf("error %q, want it to say no answer came within 20ms", msg)
				}
				var ne net.Error
				if !errors.Is(err, context.DeadlineExceeded) || !errors.As(err, &ne) || !ne.Timeout() {
					t.Errorf("error %#v is no longer a timeout", err)
				}
			})
		})
	}
}

// TestPosterUnanswered: a 2xx Reply counts the attempts before it that got
// no answer once the request was sent (the server may have taken it), a
// gateway's 502 or 504 and Envoy's 503 after a reset among them (Istio's
// "503 UC": the server may have taken the body), not those answered with
// another error status (Envoy's 503 for a request it never sent too).
func TestPosterUnanswered(t *testing.T) {
	tests := []struct {
		name  string
		first func(w http.ResponseWriter) // the first attempt's answer, the second's 200
		want  int
	}{
		{"connection cut", func(w http.ResponseWriter) { recorder.Cut(w) }, 1},
		{"answered 503", func(w http.ResponseWriter) { w.WriteHeader(http.StatusServiceUnavailable) }, 0},
		{"Envoy's 503 after a reset", func(w http.ResponseWriter) { testkit.EnvoyAnswer(w, testkit.EnvoyResetBody) }, 1},
		{"Envoy's 503, never sent", func(w http.ResponseWriter) { testkit.EnvoyAnswer(w, testkit.EnvoyNeverSentBody) }, 0},
		{"Envoy's 503, no healthy upstream", func(w http.ResponseWriter) { testkit.EnvoyAnswer(w, "no healthy upstream") }, 0},
		{"a gateway's 502", func(w http.ResponseWriter) { w.WriteHeader(http.StatusBadGateway) }, 1},
		{"a gateway's 504", func(w http.ResponseWriter) { w.WriteHeader(http.StatusGatewayTimeout) }, 1},
		{"answered 200", func(w http.ResponseWriter) { w.WriteHeader(http.StatusOK) }, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := recorder.NewFunc(t, func(n int, w http.ResponseWriter, r *http.Request) {
				_, _ = io.Copy(io.Discard, r.Body)
				if n == 0 {
					tt.first(w)
					return
				}
				w.WriteHeader(http.StatusOK)
			})
			p := Poster{Client: NewDefaultClient(), Timer: &httpxtest.Timer{}, Attempts: 2}
			rep, err := p.Do(context.Background(), Request{Op: "callback", URL: srv.URL + "/x", Body: []byte(`{}`)})
			if err != nil || rep.Unanswered != tt.want {
				t.Errorf("Do = %+v, %v; want %d unanswered", rep, err, tt.want)
			}
		})
	}
}

// TestPosterUnansweredOnError: a request whose attempts ran out counts,
// in its *HTTPError, those that got no answer once sent (the last one
// too), not those answered with an error status.
func TestPosterUnansweredOnError(t *testing.T) {
	tests := []struct {
		name   string
		answer func(n int, w http.ResponseWriter)
		want   int
	}{
		{"every connection cut", func(_ int, w http.ResponseWriter) { recorder.Cut(w) }, 3},
		{"cut, then 503", func(n int, w http.ResponseWriter) {
			if n == 0 {
				recorder.Cut(w)
				return
			}
			w.WriteHeader(http.StatusServiceUnavailable)
		}, 1},
		{"every answer 503", func(_ int, w http.ResponseWriter) { w.WriteHeader(http.StatusServiceUnavailable) }, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := recorder.NewFunc(t, func(n int, w http.ResponseWriter, r *http.Request) {
				_, _ = io.Copy(io.Discard, r.Body)
				tt.answer(n, w)
			})
			p := Poster{Client: NewDefaultClient(), Timer: &httpxtest.Timer{}, Attempts: 3}
			_, err := p.Do(context.Background(), Request{Op: "callback", URL: srv.URL + "/x", Body: []byte(`{}`)})
			var he *HTTPError
			if !errors.As(err, &he) || he.Attempts != 3 || he.Unanswered != tt.want {
				t.Errorf("Do = %v (%+v); want 3 attempts, %d unanswered", err, he, tt.want)
			}
		})
	}
}

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
			srv := recorder.NewFunc(t, func(_ int, w http.ResponseWriter, _ *http.Request) {
				reached.Add(1)
				recorder.Cut(w)
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
