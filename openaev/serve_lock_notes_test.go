//go:build unix && !solaris && !aix && !android

// As serve_lock_test.go: the lock is held as another process holds it,
// with flock(2) on a second open of the file.

package openaev_test

import (
	"errors"
	"math"
	"net/http"
	"os"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"testing/synctest"
	"time"

	"go.uber.org/zap/zapcore"

	"github.com/injectkit/injectkit/serve"
	"github.com/injectkit/injectkit/transport/outbox"
)

// lockOnState is an HTTP transport that takes the outbox's lock, as
// another process would, at the first read of the inject's state after
// it is armed: between a redelivered message's room check and its reads
// of the completes sent. Its connections are not kept, so that none
// made within a synctest bubble is used outside it.
type lockOnState struct {
	base  http.RoundTripper
	path  string
	armed atomic.Bool
	f     atomic.Pointer[os.File]
}

func (l *lockOnState) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Method == http.MethodGet && strings.HasPrefix(r.URL.Path, "/api/injects/") && l.armed.CompareAndSwap(true, false) {
		f, err := os.OpenFile(l.path, os.O_RDWR, 0)
		if err != nil {
			return nil, err
		}
		if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
			_ = f.Close()
			return nil, err
		}
		l.f.Store(f)
	}
	return l.base.RoundTrip(r)
}

// TestHandlerLockedOutboxBetweenRoomAndNotes: on the redelivered path,
// a lock another process takes after the room check (here as the inject's
// state is read) met the reads of the completes sent (the notes, read
// once per process, and the lookup of a complete a killed process
// attempted): each waited the whole lock timeout and said a WARN, and
// the notes' read, failed, was never made again. The message, handled
// again once the lock was free, ran an inject whose complete an earlier
// process had sent within the ingestion window: a second complete. The
// first read that meets the lock now pauses, as the others do, and the
// notes are read once the lock is free.
func TestHandlerLockedOutboxBetweenRoomAndNotes(t *testing.T) {
	const lockTimeout = time.Hour
	lock := &lockOnState{base: &http.Transport{DisableKeepAlives: true}}
	s := newServeEnv(t, serveOpts{outbox: true, shared: true, lockTimeout: lockTimeout, window: time.Minute,
		httpClient: &http.Client{Transport: lock}})
	lock.path = s.store.Path()
	t.Cleanup(func() {
		if f := lock.f.Load(); f != nil {
			_ = f.Close()
		}
	})
	body := s.message(t, "i-sent", "nmap", map[string]any{"targets": "192.0.2.1"}, nil, nil)
	// An earlier process sent its complete a moment ago: the platform
	// may not show it yet.
	note := outbox.CompleteNote{At: time.Now(), Sent: time.Now(), Window: time.Hour, IngestWindow: time.Minute}
	if err := s.store.NoteComplete(s.platform.URL, "i-sent", note); err != nil {
		t.Fatal(err)
	}
	flushLazy(t, s)
	outsideBubble(s)
	lock.armed.Store(true)
	var pe *serve.PauseError
	synctest.Test(t, func(t *testing.T) {
		start := time.Now()
		err := s.handler.HandleDelivery(t.Context(), serve.Delivery{Body: body, Redelivered: true, BrokerRedelivered: true})
		waited := time.Since(start)
		if !errors.As(err, &pe) || !errors.Is(err, outbox.ErrLocked) {
			t.Errorf("handled with the outbox locked after its room check: %v, want a pause naming the lock", err)
		}
		if n := math.Round(float64(waited) / float64(lockTimeout)); n != 1 {
			t.Errorf("the handling waited %v for the lock (%v lock timeouts), want one lock timeout", waited, n)
		}
	})
	if lock.f.Load() == nil {
		t.Fatal("the inject's state was not read: the lock was never taken")
	}
	if n := s.logs.FilterLevelExact(zapcore.WarnLevel).Len(); n != 1 {
		t.Errorf("%d WARN lines, want 1, the pause's: %v", n, s.logs.FilterLevelExact(zapcore.WarnLevel).All())
	}
	if err := syscall.Flock(int(lock.f.Load().Fd()), syscall.LOCK_UN); err != nil {
		t.Fatal(err)
	}
	if pe != nil {
		if err := pe.Wait(t.Context()); err != nil {
			t.Fatalf("the pause did not end once the lock was released: %v", err)
		}
	}
	// As the daemon hands it again once the lock is free.
	d := serve.Delivery{Body: body, Redelivered: true, BrokerRedelivered: true, Pauses: 1}
	if err := s.handler.HandleDelivery(t.Context(), d); err != nil {
		t.Fatalf("handled again once the lock was released: %v", err)
	}
	if n := s.nmap.calls.Load(); n != 0 {
		t.Errorf("the inject ran %d times within the ingestion window of its complete, want none", n)
	}
	if n := len(s.platform.Completions("i-sent")); n != 0 {
		t.Errorf("%d completes of the inject sent within the window of an earlier one, want none", n)
	}
	if n := s.logs.FilterMessageSnippet("within the platform's ingestion window").Len(); n != 1 {
		t.Errorf("%d lines say its complete was sent within the window, want 1", n)
	}
}

// TestRecentCompleteReadsTheNotesAgainAfterTheLock: a read of the notes
// of the completes sent that meets another process's lock is not the
// process's read of them: once the lock is free, the next question reads
// them (they were never read again, and an inject whose complete an
// earlier process sent within the ingestion window was taken as one
// never completed).
func TestRecentCompleteReadsTheNotesAgainAfterTheLock(t *testing.T) {
	s := newServeEnv(t, serveOpts{outbox: true, shared: true, lockTimeout: time.Hour, window: time.Minute})
	note := outbox.CompleteNote{At: time.Now(), Sent: time.Now(), Window: time.Hour, IngestWindow: time.Minute}
	if err := s.store.NoteComplete(s.platform.URL, "i-sent", note); err != nil {
		t.Fatal(err)
	}
	flushLazy(t, s)
	f := lockOutbox(t, s.store.Path())
	synctest.Test(t, func(t *testing.T) {
		if _, ok := s.proc.RecentComplete("i-sent", false); ok {
			t.Error("the note read with the outbox locked")
		}
	})
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_UN); err != nil {
		t.Fatal(err)
	}
	if _, ok := s.proc.RecentComplete("i-sent", false); !ok {
		t.Error("the complete sent within the ingestion window not known once the lock is free: the notes were not read again")
	}
}
