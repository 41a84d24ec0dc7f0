//go:build unix

package openaev_test

import (
	"errors"
	"os"
	"syscall"
	"testing"
	"time"

	"github.com/injectkit/injectkit/serve"
	"github.com/injectkit/injectkit/transport/outbox"
)

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
