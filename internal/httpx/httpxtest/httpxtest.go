// Package httpxtest holds test helpers for the clients built on httpx: a
// timer that records the waits of a Poster without making them, and a TLS
// server with its CA file.
package httpxtest

import (
	"encoding/pem"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// Timer is an httpx.Timer that records each wait and fires at once, so
// that a test of retries asserts the waits and runs in milliseconds.
type Timer struct {
	mu    sync.Mutex
	waits []time.Duration
}

// After records d and returns a channel that is ready.
func (t *Timer) After(d time.Duration) <-chan time.Time {
	t.mu.Lock()
	t.waits = append(t.waits, d)
	t.mu.Unlock()
	ch := make(chan time.Time, 1)
	ch <- time.Now()
	return ch
}

// Waits returns the waits asked for so far.
func (t *Timer) Waits() []time.Duration {
	t.mu.Lock()
	defer t.mu.Unlock()
	return append([]time.Duration(nil), t.waits...)
}

// TimerFunc is an httpx.Timer that calls itself instead of waiting (a
// context's cancel function, say) and never fires.
type TimerFunc func()

// After calls f and returns a channel that is never ready.
func (f TimerFunc) After(time.Duration) <-chan time.Time {
	f()
	return make(chan time.Time)
}

// TLSServer starts an HTTPS server, closed with the test, answering 200 to
// every request, and returns it with the count of requests that reached
// its handler.
func TLSServer(t testing.TB) (*httptest.Server, *atomic.Int32) {
	t.Helper()
	var hits atomic.Int32
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		hits.Add(1)
		w.WriteHeader(http.StatusOK)
	}))
	t.Cleanup(srv.Close)
	return srv, &hits
}

// CAFile writes the certificate of srv to a PEM file in a temporary
// directory and returns its path.
func CAFile(t testing.TB, srv *httptest.Server) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "ca.pem")
	block := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw})
	if err := os.WriteFile(path, block, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}
