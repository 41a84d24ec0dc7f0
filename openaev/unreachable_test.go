package openaev_test

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"

	"github.com/injectkit/injectkit/openaev"
)

// hostSwitch sends each request to the live server, or, while down is
// set, to a closed loopback port (each dial refused), and counts the
// attempts made.
type hostSwitch struct {
	live, closed string
	down         atomic.Bool
	attempts     atomic.Int32
}

func (h *hostSwitch) RoundTrip(r *http.Request) (*http.Response, error) {
	h.attempts.Add(1)
	r = r.Clone(r.Context())
	r.URL.Host = h.live
	if h.down.Load() {
		r.URL.Host = h.closed
	}
	return http.DefaultTransport.RoundTrip(r)
}

// closedPort returns a loopback address nothing listens on: a port
// listened on, then closed.
func closedPort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

// Once a request has used its attempts without reaching the platform
// (connection refused on each), the requests after it are sent once each,
// said in one WARN line; one that reaches the platform again gives the
// next their retries back. A platform that answers 503 is not
// unreachable: its requests keep their retries. Without the option every
// request keeps its retries.
func TestUnreachablePlatformCostsOneRetryBudget(t *testing.T) {
	var status atomic.Int32
	status.Store(http.StatusOK)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(int(status.Load()))
		w.Write([]byte(`{"inject_id":"i","inject_status":{"status_name":"PENDING"}}`))
	}))
	defer srv.Close()
	for _, once := range []bool{true, false} {
		sw := &hostSwitch{live: strings.TrimPrefix(srv.URL, "http://"), closed: closedPort(t)}
		core, logs := observer.New(zapcore.WarnLevel)
		opts := []openaev.Option{openaev.WithHTTPClient(&http.Client{Transport: sw}), openaev.WithRetry(4, time.Millisecond),
			openaev.WithLogger(zap.New(core)), openaev.WithPlatformVersion(openaev.PlatformVersion{})}
		if once {
			opts = append(opts, openaev.WithUnreachableOnce())
		}
		c, err := openaev.NewClient(openaev.Config{URL: srv.URL, Token: "t0123456789abcdef"}, opts...)
		if err != nil {
			t.Fatal(err)
		}
		read := func(step string, want int32, ok bool) {
			t.Helper()
			sw.attempts.Store(0)
			_, err := c.InjectStatus(context.Background(), "i")
			if got := sw.attempts.Load(); got != want || (err == nil) != ok {
				t.Errorf("once=%v, %s: %d attempts, error %v; want %d attempts, success %v", once, step, got, err, want, ok)
			}
		}
		sw.down.Store(true)
		read("first read, refused", 4, false)
		if once {
			read("second read, refused", 1, false)
			read("third read, refused", 1, false)
		} else {
			read("second read, refused", 4, false)
		}
		sw.down.Store(false)
		read("the platform back", 1, true)
		status.Store(http.StatusServiceUnavailable)
		read("a 503", 4, false)
		read("a 503 again", 4, false)
		status.Store(http.StatusOK)
		said := logs.FilterMessageSnippet("the platform is unreachable").Len()
		if want := map[bool]int{true: 1, false: 0}[once]; said != want {
			t.Errorf("once=%v: said %d times that the platform is unreachable, want %d", once, said, want)
		}
	}
}
