//go:build unix && !solaris && !aix && !android

// bbolt locks its file with flock(2) here; on solaris, aix and android it
// takes fcntl(2) locks, which a process cannot hold against itself, so
// these tests, which hold the lock as another process would, run here only.

package openaev_test

import (
	"errors"
	"net/http"
	"os"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/injectkit/injectkit/openaev/openaevtest"
	"github.com/injectkit/injectkit/serve"
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
// so it is not run; its message is kept (a transient failure naming the
// lock), and runs once, after the lock is released.
func TestHandlerOutboxLockedNotRun(t *testing.T) {
	s := newServeEnv(t, serveOpts{outbox: true, shared: true})
	f, err := os.OpenFile(s.store.Path(), os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		t.Fatal(err)
	}
	body := s.message(t, "i-locked", "nmap", map[string]any{"targets": "192.0.2.1"}, nil, nil)
	err = s.handler.HandleDelivery(t.Context(), serve.Delivery{Body: body})
	var pe *serve.PauseError
	switch {
	case !errors.Is(err, outbox.ErrLocked):
		t.Fatalf("handled with the outbox locked: %v, want the lock's error", err)
	case serve.IsPermanent(err) || errors.As(err, &pe):
		t.Fatalf("handled with the outbox locked: %v, want a transient failure, the message kept", err)
	}
	if n := s.nmap.calls.Load(); n != 0 {
		t.Fatalf("the inject ran %d times without its outbox room checked", n)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_UN); err != nil {
		t.Fatal(err)
	}
	if err := s.handler.HandleDelivery(t.Context(), serve.Delivery{Body: body}); err != nil {
		t.Fatalf("handled again once the lock was released: %v", err)
	}
	if n := s.nmap.calls.Load(); n != 1 {
		t.Errorf("the inject ran %d times, want once", n)
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
