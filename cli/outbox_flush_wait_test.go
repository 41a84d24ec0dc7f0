package cli_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/injectkit/injectkit/cli"
	"github.com/injectkit/injectkit/transport/outbox"
)

// A flush interrupted while it waits out what the backend asked (a 429
// with Retry-After: 30) had no request in flight: it says so, not "cut
// short in flight", and the body keeps that schedule, its attempt and the
// 429 recorded. It used to say the body was cut short in flight and make
// it due at the interrupt's moment, so that serve's resender retried it
// at once, against the backend's wish.
func TestOutboxFlushInterruptedWhileWaiting(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	be := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Retry-After", "30")
		w.WriteHeader(http.StatusTooManyRequests)
	}))
	t.Cleanup(be.Close)
	box := filepath.Join(t.TempDir(), "outbox.db")
	storeBodies(t, box, outbox.Entry{InjectID: "inj-wait", Phase: "p", BaseURL: be.URL, Body: []byte(`{}`)})
	env := map[string]string{"INJECTKIT_OUTBOX": box}
	sess := newSession(false, false)
	sess.ctx, sess.env = ctx, env
	go func() {
		sess.stderr.await(ctx, "request failed, retrying") // logged as the wait starts
		cancel()
	}()
	before := time.Now()
	f := sess.run(t, registry(), "outbox", "flush", "--backend-url", be.URL)
	if f.code != cli.ExitInterrupted || strings.Contains(f.stderr, "cut short in flight") ||
		!strings.Contains(f.stderr, "1 signature body still pending, 1 stopped while waiting to be tried again (no request in flight") {
		t.Fatalf("exit %d, want %d saying the body was stopped waiting, not in flight\n%s%s", f.code, cli.ExitInterrupted, f.stdout, f.stderr)
	}
	s, err := outbox.Open(box, outbox.Options{Shared: true, ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	recs, err := s.List()
	if err != nil || len(recs) != 1 {
		t.Fatalf("list: %v, %d records, want 1", err, len(recs))
	}
	r := recs[0]
	if r.Attempts != 1 || !strings.Contains(r.LastError, "status 429") || r.NextAttempt.Before(before.Add(29*time.Second)) {
		t.Errorf("the body after the interrupt: %d attempts, %q, next attempt %s after the flush began; want 1, the 429, and the 30s it asked",
			r.Attempts, r.LastError, r.NextAttempt.Sub(before))
	}
}
