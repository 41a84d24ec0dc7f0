//go:build unix && !solaris && !aix && !android

// bbolt locks its file with flock(2) here; on solaris, aix and android it
// takes fcntl(2) locks, which a process cannot hold against itself, so
// these tests, which hold the lock as another process would, run here only.

package openaev_test

import (
	"errors"
	"net/http"
	"os"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/injectkit/injectkit/internal/testkit"
	"github.com/injectkit/injectkit/openaev/openaevtest"
	"github.com/injectkit/injectkit/serve"
	"github.com/injectkit/injectkit/serve/servetest"
	"github.com/injectkit/injectkit/transport/outbox"
)

// lockAfterFailures is a transport that takes the outbox file's lock, as
// another process would, once the platform failed the terminal callback
// twice (a held result's first try), and lets it go at the next request:
// the next try's post, which comes only once the try found the outbox
// locked.
type lockAfterFailures struct {
	t        *testing.T
	platform *openaevtest.Platform
	path     string

	mu     sync.Mutex
	f      *os.File
	posted bool // a request came while the lock was held
}

func (l *lockAfterFailures) RoundTrip(req *http.Request) (*http.Response, error) {
	l.mu.Lock()
	if l.f != nil && !l.posted {
		l.posted = true
		l.unlock()
	}
	platform := l.platform
	l.mu.Unlock()
	resp, err := http.DefaultTransport.RoundTrip(req)
	if platform == nil {
		return resp, err // newServeEnv's registration
	}
	failed := 0
	for _, c := range platform.Calls("i-1") {
		if c.Kind == openaevtest.KindComplete && !c.Processed() {
			failed++
		}
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if failed == 2 && l.f == nil {
		f, ferr := os.OpenFile(l.path, os.O_RDWR, 0)
		if ferr != nil {
			l.t.Error(ferr)
			return resp, err
		}
		if ferr := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); ferr != nil {
			l.t.Error(ferr)
		}
		l.f = f
	}
	return resp, err
}

// unlock lets go of the lock; l.mu is held.
func (l *lockAfterFailures) unlock() {
	_ = syscall.Flock(int(l.f.Fd()), syscall.LOCK_UN)
	_ = l.f.Close()
}

// TestHandlerHeldRetryFailsFastOnALockedOutbox: a result held in memory
// (the outbox full after the run) whose try finds the outbox locked by
// another process does not wait for the lock (an hour here): it is sent
// without being stored at once, and the lock is not waited for again
// until the next try.
func TestHandlerHeldRetryFailsFastOnALockedOutbox(t *testing.T) {
	l := &lockAfterFailures{t: t}
	s := newServeEnv(t, serveOpts{outbox: true, shared: true, lockTimeout: time.Hour, outboxMax: 64 << 10,
		httpClient: &http.Client{Transport: l}})
	l.mu.Lock()
	l.platform, l.path = s.platform, s.store.Path()
	l.mu.Unlock()
	s.nmap.during = func() { s.fillOutbox(t) }
	s.platform.FailComplete("i-1", http.StatusServiceUnavailable, 2) // the first try's 2 attempts
	body := s.message(t, "i-1", "nmap", map[string]any{"targets": "192.0.2.1"}, nil, nil)
	if err := s.handler.HandleDelivery(t.Context(), serve.Delivery{Body: body}); err != nil {
		t.Fatalf("settled with %v, want acknowledged", err)
	}
	l.mu.Lock()
	posted := l.posted
	l.mu.Unlock()
	if !posted {
		t.Error("the outbox was never locked after the first try")
	}
	if n := len(s.platform.Completions("i-1")); n != 1 {
		t.Errorf("%d completions, want 1", n)
	}
}

// TestHandlerOutboxLockedNotRun checks an inject whose outbox another
// process keeps locked past the lock timeout: its room cannot be checked,
// so it is not run; its message is kept by a pause of the consumption
// (not a failure, which the daemon would retry blind while /healthz said
// ok), whose reason names the lock, its holder and the outbox, and which
// ends once the lock is released; then it runs once.
func TestHandlerOutboxLockedNotRun(t *testing.T) {
	s := newServeEnv(t, serveOpts{outbox: true, shared: true})
	f := lockOutbox(t, s.store.Path())
	body := s.message(t, "i-locked", "nmap", map[string]any{"targets": "192.0.2.1"}, nil, nil)
	err := s.handler.HandleDelivery(t.Context(), serve.Delivery{Body: body})
	var pe *serve.PauseError
	switch {
	case !errors.Is(err, outbox.ErrLocked):
		t.Fatalf("handled with the outbox locked: %v, want the lock's error", err)
	case !errors.As(err, &pe):
		t.Fatalf("handled with the outbox locked: %v, want a pause, the message kept", err)
	}
	for _, want := range []string{"outbox locked: ", s.store.Path(), "is locked by "} {
		if !strings.Contains(pe.Reason, want) {
			t.Errorf("pause reason %q, want it to name %q", pe.Reason, want)
		}
	}
	if now := pe.Current(); !strings.HasPrefix(now, "outbox locked: ") {
		t.Errorf("while the lock is held /healthz would say %q, want the lock", now)
	}
	if n := s.nmap.calls.Load(); n != 0 {
		t.Fatalf("the inject ran %d times without its outbox room checked", n)
	}
	if c := s.platform.Calls("i-locked"); len(c) != 0 {
		t.Errorf("the platform got %v for an inject not run, want nothing", c)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_UN); err != nil {
		t.Fatal(err)
	}
	if err := pe.Wait(t.Context()); err != nil {
		t.Fatalf("the pause did not end once the lock was released: %v", err)
	}
	if now := pe.Current(); strings.HasPrefix(now, "outbox locked: ") {
		t.Errorf("once the lock is released /healthz would say %q, want the lock no more", now)
	}
	d := serve.Delivery{Body: body, Redelivered: true, Pauses: 1} // as the daemon hands it again
	if err := s.handler.HandleDelivery(t.Context(), d); err != nil {
		t.Fatalf("handled again once the lock was released: %v", err)
	}
	// Nothing failed: the pause stopped the handling before anything ran.
	if n := s.logs.FilterMessageSnippet("after its handling failed").Len(); n != 0 {
		t.Errorf("%d lines say its handling failed, want none: it paused", n)
	}
	if n := s.logs.FilterMessageSnippet("message kept through a pause of the consumption (not run before), the inject unfinished: running it").Len(); n != 1 {
		t.Errorf("%d lines say the message kept through the pause runs, want 1; logged %v", n, s.logs.All())
	}
	if n := s.nmap.calls.Load(); n != 1 {
		t.Errorf("the inject ran %d times, want once", n)
	}
	if _, err := s.platform.WaitTerminal(t.Context(), "i-locked"); err != nil {
		t.Errorf("the platform holds no terminal callback of i-locked: %v", err)
	}
}

// lockOutbox takes the outbox file's lock on a second open of it, as
// another process (an outbox flush) would, until the test ends or the
// caller lets go of it.
func lockOutbox(t *testing.T, path string) *os.File {
	t.Helper()
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = f.Close() })
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		t.Fatal(err)
	}
	return f
}

// TestIntegrationServePausesOnLockedOutbox is the acceptance check's run
// of serve on the real broker while another process holds the outbox's
// lock past the lock timeout: each inject failed its room check, was
// retried blind with growing delays (injectkit_handling_retries_total),
// and /healthz said ok. The consumption now pauses, /healthz 503 naming
// the lock, no retry spent; once the lock is free the inject runs once
// and its result reaches the platform.
func TestIntegrationServePausesOnLockedOutbox(t *testing.T) {
	broker, queue := integration(t)
	s := newServeEnv(t, serveOpts{outbox: true, shared: true, lockTimeout: 20 * time.Millisecond})
	d, url := s.daemon(t, broker, queue)
	run(t, d)
	testkit.WaitFor(t, testkit.Hang, "a registration", func() bool { return len(s.platform.Registrations()) > 0 })
	f := lockOutbox(t, s.store.Path())
	servetest.Publish(t, queue, s.message(t, "i-locked", "nmap", map[string]any{"targets": "192.0.2.1"}, nil, nil))
	testkit.WaitFor(t, testkit.Hang, "the consumption paused", func() bool {
		return servetest.Metric(t, s.prom, "injectkit_consumption_paused") == 1
	})
	code, h := servetest.Health(t, url)
	if code != http.StatusServiceUnavailable || !strings.HasPrefix(h.Reason, "outbox locked: ") ||
		!strings.Contains(h.Reason, s.store.Path()) {
		t.Errorf("/healthz with the outbox locked: %d %+v, want 503 naming the lock and the outbox", code, h)
	}
	if n := servetest.Metric(t, s.prom, "injectkit_handling_retries_total"); n != 0 {
		t.Errorf("injectkit_handling_retries_total %v while paused, want 0: no retry spent", n)
	}
	if n := s.nmap.calls.Load(); n != 0 {
		t.Fatalf("the inject ran %d times with its outbox locked", n)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_UN); err != nil {
		t.Fatal(err)
	}
	if _, err := s.platform.WaitTerminal(t.Context(), "i-locked"); err != nil {
		t.Fatalf("the platform holds no terminal callback of i-locked once the lock was released: %v", err)
	}
	testkit.WaitFor(t, testkit.Hang, "the consumption resumed", func() bool {
		return servetest.Metric(t, s.prom, "injectkit_consumption_paused") == 0
	})
	if code, h := servetest.Health(t, url); code != http.StatusOK {
		t.Errorf("/healthz once the lock was released: %d %+v, want 200", code, h)
	}
	if n := s.nmap.calls.Load(); n != 1 {
		t.Errorf("the inject ran %d times, want once", n)
	}
	if n := servetest.Metric(t, s.prom, "injectkit_handling_retries_total"); n != 0 {
		t.Errorf("injectkit_handling_retries_total %v, want 0", n)
	}
	// The log agrees: one pause begun, one ended, no failure.
	for _, tt := range []struct {
		line string
		want int
	}{
		{"consumption paused: outbox locked: ", 1},
		{"consumption resumed after ", 1},
		{"handling failed", 0},
		{"after its handling failed", 0},
		{"message kept through a pause of the consumption (not run before)", 1},
	} {
		if n := s.logs.FilterMessageSnippet(tt.line).Len(); n != tt.want {
			t.Errorf("%d lines %q, want %d", n, tt.line, tt.want)
		}
	}
}

// TestHandlerOutboxLockedAfterRunNotRunAgain is reviewer r4's case: the
// outbox, free when the inject starts, is locked by another process past
// the lock timeout when its result is stored. The inject ran: its result
// is sent without being stored, as with an outbox full, and the message
// acknowledged, not handed back to run the inject again.
func TestHandlerOutboxLockedAfterRunNotRunAgain(t *testing.T) {
	s := newServeEnv(t, serveOpts{outbox: true, shared: true, lockTimeout: 20 * time.Millisecond})
	f, err := os.OpenFile(s.store.Path(), os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	s.nmap.during = func() {
		if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
			t.Error(err)
		}
	}
	body := s.message(t, "i-locked", "nmap", map[string]any{"targets": "192.0.2.1"}, nil, nil)
	if err := s.handler.HandleDelivery(t.Context(), serve.Delivery{Body: body}); err != nil {
		t.Errorf("settled with %v, want acknowledged: the inject ran and its result was sent", err)
	}
	if n := len(s.platform.Completions("i-locked")); n != 1 {
		t.Errorf("%d completions, want 1", n)
	}
	if n := s.logs.FilterMessageSnippet("sending it without storing it").Len(); n != 1 {
		t.Errorf("%d lines say the result is sent unstored, want 1", n)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_UN); err != nil {
		t.Fatal(err)
	}
	if got := s.records(t); len(got) != 0 {
		t.Errorf("outbox %v, want empty", got)
	}
}

// TestPauseReasonNeverWaitsForTheLock is the acceptance check's probe of
// /healthz during a pause that began for a full outbox, the outbox then
// locked by another process: its reason (the PauseError's Current, which
// /healthz reads at each request) waited for the lock, up to the lock
// timeout (an hour here), where a probe must answer at once. It now reads
// the reason the last check left, for either cause, without the outbox.
func TestPauseReasonNeverWaitsForTheLock(t *testing.T) {
	tests := []struct {
		name   string
		locked bool   // the outbox locked before the inject: the cause of the pause
		want   string // the reason's start, the lock held
	}{
		{name: "full, then locked", want: "outbox full: "},
		{name: "locked", locked: true, want: "outbox locked: "},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			lockTimeout := time.Hour
			if tt.locked {
				lockTimeout = 20 * time.Millisecond // the room check that pauses waits for it
			}
			s := newServeEnv(t, serveOpts{outbox: true, shared: true, outboxMax: 64 << 10, lockTimeout: lockTimeout})
			if tt.locked {
				lockOutbox(t, s.store.Path())
			} else {
				s.fillOutbox(t)
			}
			body := s.message(t, "i-probe", "nmap", map[string]any{"targets": "192.0.2.1"}, nil, nil)
			var pe *serve.PauseError
			if err := s.handler.HandleDelivery(t.Context(), serve.Delivery{Body: body}); !errors.As(err, &pe) {
				t.Fatalf("handled with %v, want a pause", err)
			}
			if !tt.locked {
				lockOutbox(t, s.store.Path()) // another process: an outbox flush, say
			}
			answered := make(chan string, 1)
			go func() { answered <- pe.Current() }()
			var got string
			testkit.WaitFor(t, testkit.Hang, "the pause's reason, read while another process holds the lock", func() bool {
				select {
				case got = <-answered:
					return true
				default:
					return false
				}
			})
			if !strings.HasPrefix(got, tt.want) {
				t.Errorf("reason %q, want the last check's, %q…", got, tt.want)
			}
			if n := s.nmap.calls.Load(); n != 0 {
				t.Errorf("the inject ran %d times while paused", n)
			}
		})
	}
}
