package cli_test

import (
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
)

// A flush against a backend in maintenance (503, Retry-After: 3600) stops
// at the first body, tried once, and says how long the backend asked to
// wait, so that the operator knows when to flush again (h232: 91 s and 4
// requests for 220 bodies, then "flush again later" alone); one asking no
// more than the client waits gets its retries and no such hint.
func TestFlushSaysTheWaitAsked(t *testing.T) {
	tests := []struct {
		name       string
		retryAfter string
		requests   int64
		hint       string // "": none
	}{
		{"an hour", "3600", 1, "injectkit: hint: the backend asked to wait 1h0m0s (the Retry-After of its 429 or 503): flush again once that has passed\n"},
		{"past 12 days", "99999999999", 1, "injectkit: hint: the backend asked to wait more than 12 days (the Retry-After of its 429 or 503)"},
		{"none", "0", 4, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := newMaintenance(t, http.StatusConflict, tt.retryAfter) // the runs' bodies: kept pending
			srv, down, posts := m.srv, &m.down, &m.posts
			env := map[string]string{"INJECTKIT_OUTBOX": filepath.Join(t.TempDir(), "outbox.db")}
			for _, id := range []string{"inj-1", "inj-2", "inj-3"} {
				keepInOutbox(t, env, id, srv.URL)
			}
			down.Store(true)
			f := run(t, registry(), env, "outbox", "flush", "--backend-url", srv.URL, "--log-level", "error")
			if f.code != 1 || !strings.Contains(f.stdout, "3 still pending (2 of them not tried") {
				t.Errorf("exit %d, want 1, 3 pending, 2 untried:\n%s%s", f.code, f.stdout, f.stderr)
			}
			if got := strings.Contains(f.stderr, "the backend asked to wait"); got != (tt.hint != "") || !strings.Contains(f.stderr, tt.hint) {
				t.Errorf("stderr %q, want the hint %q", f.stderr, tt.hint)
			}
			if n := posts.Load(); n != tt.requests {
				t.Errorf("%d requests, want %d", n, tt.requests)
			}
		})
	}
}

// maintenance is a backend that answers its first status to the runs
// that store the bodies, then, once down, 503 with a Retry-After to
// each POST, which it counts.
type maintenance struct {
	srv   *httptest.Server
	down  atomic.Bool
	posts atomic.Int64
}

func newMaintenance(t *testing.T, first int, retryAfter string) *maintenance {
	m := &maintenance{}
	m.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !m.down.Load() {
			w.WriteHeader(first)
			return
		}
		m.posts.Add(1)
		w.Header().Set("Retry-After", retryAfter)
		w.WriteHeader(http.StatusServiceUnavailable)
	}))
	t.Cleanup(m.srv.Close)
	return m
}
