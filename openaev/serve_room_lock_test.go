//go:build unix

package openaev_test

import (
	"errors"
	"os"
	"syscall"
	"testing"

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
