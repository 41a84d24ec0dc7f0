//go:build unix && !solaris && !aix && !android

// As serve_lock_test.go: the lock is held as another process holds it,
// with flock(2) on a second open of the file.

package openaev_test

import (
	"errors"
	"math"
	"strings"
	"syscall"
	"testing"
	"testing/synctest"
	"time"

	"go.uber.org/zap/zapcore"

	"github.com/injectkit/injectkit/serve"
	"github.com/injectkit/injectkit/serve/servetest"
	"github.com/injectkit/injectkit/transport/outbox"
)

// TestHandlerLockedOutboxPausesAtTheFirstWait is the acceptance check's
// serve against an outbox another process holds (`flock F sleep N`, a
// 2s --outbox-lock-timeout): a first delivery read the outbox four times
// before the room check that pauses (the injects' starts, the completes'
// notes, a complete a killed process attempted, then the room), each read
// waiting the whole lock timeout, /healthz 200 meanwhile: the first 503
// came 8.3 s after the publish. A redelivered message read it three
// times (the starts, its stored callback, the room). The first read that
// meets the lock now pauses the consumption: one lock timeout, whatever
// the path. The waits run on synctest's clock (bbolt polls the lock with
// time.Sleep), so the lock timeouts waited are counted, not timed.
func TestHandlerLockedOutboxPausesAtTheFirstWait(t *testing.T) {
	const lockTimeout = time.Hour
	tests := []struct {
		name        string
		redelivered bool
		// earlier: a message of another inject was handled before the
		// lock, which read the outbox's starts and notes once for all.
		earlier bool
	}{
		{name: "first delivery, the process's first message"},
		{name: "first delivery, after another message", earlier: true},
		{name: "redelivered, the process's first message", redelivered: true},
		{name: "redelivered, after another message", redelivered: true, earlier: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newServeEnv(t, serveOpts{outbox: true, shared: true, lockTimeout: lockTimeout, window: 30 * time.Second})
			if tt.earlier {
				before := s.message(t, "i-before", "nmap", map[string]any{"targets": "192.0.2.1"}, nil, nil)
				if err := s.handler.HandleDelivery(t.Context(), serve.Delivery{Body: before}); err != nil {
					t.Fatalf("a message handled before the lock: %v", err)
				}
				flushLazy(t, s)
			}
			body := s.message(t, "i-locked", "nmap", map[string]any{"targets": "192.0.2.1"}, nil, nil)
			f := lockOutbox(t, s.store.Path())
			outsideBubble(s)
			var pe *serve.PauseError
			synctest.Test(t, func(t *testing.T) {
				start := time.Now()
				err := s.handler.HandleDelivery(t.Context(), serve.Delivery{Body: body, Redelivered: tt.redelivered})
				waited := time.Since(start)
				if !errors.As(err, &pe) || !errors.Is(err, outbox.ErrLocked) {
					t.Fatalf("handled with the outbox locked: %v, want a pause naming the lock", err)
				}
				if n := math.Round(float64(waited) / float64(lockTimeout)); n != 1 {
					t.Errorf("the handling waited %v for the lock (%v lock timeouts) before its pause, want one lock timeout", waited, n)
				}
			})
			if now := pe.Current(); !strings.HasPrefix(now, "outbox locked: ") {
				t.Errorf("while the lock is held /healthz would say %q, want the lock", now)
			}
			// One line says it, with the read that met the lock; none says
			// that a read of the outbox failed.
			if n := s.logs.FilterLevelExact(zapcore.WarnLevel).Len(); n != 1 {
				t.Errorf("%d WARN lines, want 1, the pause's: %v", n, s.logs.FilterLevelExact(zapcore.WarnLevel).All())
			}
			if n := s.nmap.calls.Load(); n != map[bool]int32{true: 1}[tt.earlier] {
				t.Fatalf("%d runs with the outbox locked", n)
			}
			if err := syscall.Flock(int(f.Fd()), syscall.LOCK_UN); err != nil {
				t.Fatal(err)
			}
			if err := pe.Wait(t.Context()); err != nil {
				t.Fatalf("the pause did not end once the lock was released: %v", err)
			}
			// As the daemon hands it again, with the broker's flag it came with.
			d := serve.Delivery{Body: body, Redelivered: true, BrokerRedelivered: tt.redelivered, Pauses: 1}
			if err := s.handler.HandleDelivery(t.Context(), d); err != nil {
				t.Fatalf("handled again once the lock was released: %v", err)
			}
			// A message the broker redelivered may have run on another
			// consumer (one killed during the run): not said "not run before".
			said := "message kept through a pause of the consumption (not run before), the inject unfinished: running it"
			if tt.redelivered {
				said = "redelivered message kept through a pause of the consumption, the inject unfinished: running it"
			}
			if n := s.logs.FilterMessage(said).Len(); n != 1 {
				t.Errorf("%d lines %q, want 1; logged %v", n, said, s.logs.FilterLevelExact(zapcore.InfoLevel).All())
			}
			if n := len(s.platform.Completions("i-locked")); n != 1 {
				t.Errorf("%d completions of the inject, want 1", n)
			}
			// A first delivery counted received once, paused or not (a
			// redelivery is the daemon's to count, by the broker's flag).
			received := 0.0
			if !tt.redelivered {
				received++
			}
			if tt.earlier {
				received++
			}
			if got := servetest.Metric(t, s.prom, "injectkit_injects_received_total", "injector", "nmap"); got != received {
				t.Errorf("injectkit_injects_received_total %v, want %v", got, received)
			}
		})
	}
}

// TestHandlerLockedOutboxReadsItsNotesOnceFree: the lock met at the
// process's first message no longer leaves the outbox's notes of the
// completes sent (by an earlier process, within the ingestion window)
// unread for the process's life. Their read failed once, was never tried
// again, and the message, handled again once the lock was free, ran an
// inject whose complete the platform may be processing yet: a second
// complete, its findings repeated.
func TestHandlerLockedOutboxReadsItsNotesOnceFree(t *testing.T) {
	s := newServeEnv(t, serveOpts{outbox: true, shared: true, lockTimeout: time.Hour, window: time.Minute})
	body := s.message(t, "i-sent", "nmap", map[string]any{"targets": "192.0.2.1"}, nil, nil)
	// An earlier process sent its complete a moment ago: the platform
	// may not show it yet.
	note := outbox.CompleteNote{At: time.Now(), Sent: time.Now(), Window: time.Hour, IngestWindow: time.Minute}
	if err := s.store.NoteComplete(s.platform.URL, "i-sent", note); err != nil {
		t.Fatal(err)
	}
	flushLazy(t, s)
	f := lockOutbox(t, s.store.Path())
	outsideBubble(s)
	var pe *serve.PauseError
	synctest.Test(t, func(t *testing.T) {
		if err := s.handler.HandleDelivery(t.Context(), serve.Delivery{Body: body}); !errors.As(err, &pe) {
			t.Fatalf("handled with the outbox locked: %v, want a pause", err)
		}
	})
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_UN); err != nil {
		t.Fatal(err)
	}
	if err := pe.Wait(t.Context()); err != nil {
		t.Fatalf("the pause did not end once the lock was released: %v", err)
	}
	if err := s.handler.HandleDelivery(t.Context(), serve.Delivery{Body: body, Redelivered: true, Pauses: 1}); err != nil {
		t.Fatalf("handled again once the lock was released: %v", err)
	}
	if n := s.nmap.calls.Load(); n != 0 {
		t.Errorf("the inject ran %d times within the ingestion window of its complete, want none", n)
	}
	if n := s.logs.FilterMessageSnippet("within the platform's ingestion window").Len(); n != 1 {
		t.Errorf("%d lines say its complete was sent within the window, want 1", n)
	}
}

// flushLazy commits the writes the outbox holds back for a later commit
// (Compact commits them first): their timer, outside the test's bubble,
// would otherwise wait for the lock in real time, holding the outbox.
func flushLazy(t *testing.T, s *serveEnv) {
	t.Helper()
	if _, _, err := s.store.Compact(); err != nil {
		t.Fatal(err)
	}
}

// outsideBubble makes the channel the Handler's shutdown abort closes
// (made at its first use) before a synctest bubble would make it its
// own, which the handlings outside it could not wait on.
func outsideBubble(s *serveEnv) {
	_, release := s.handler.Abort().Hold()
	release()
}

// TestHandlerLockedOutboxStartsReadSharedByConcurrentMessages: messages
// handled at once, at the process's first, share its read of the outbox's
// starts: each is paused after the one lock timeout that read waited, none
// waits for the lock again behind it.
func TestHandlerLockedOutboxStartsReadSharedByConcurrentMessages(t *testing.T) {
	const lockTimeout = time.Hour
	s := newServeEnv(t, serveOpts{outbox: true, shared: true, lockTimeout: lockTimeout})
	bodies := [][]byte{
		s.message(t, "i-one", "nmap", map[string]any{"targets": "192.0.2.1"}, nil, nil),
		s.message(t, "i-two", "nmap", map[string]any{"targets": "192.0.2.1"}, nil, nil),
	}
	lockOutbox(t, s.store.Path())
	outsideBubble(s)
	synctest.Test(t, func(t *testing.T) {
		start := time.Now()
		waited := make(chan time.Duration, len(bodies))
		for _, body := range bodies {
			go func() {
				var pe *serve.PauseError
				if err := s.handler.HandleDelivery(t.Context(), serve.Delivery{Body: body}); !errors.As(err, &pe) {
					t.Errorf("handled with the outbox locked: %v, want a pause", err)
				}
				waited <- time.Since(start)
			}()
		}
		for range bodies {
			if w := <-waited; math.Round(float64(w)/float64(lockTimeout)) != 1 {
				t.Errorf("a handling waited %v for the lock before its pause, want one lock timeout", w)
			}
		}
	})
	if n := s.nmap.calls.Load(); n != 0 {
		t.Errorf("%d runs with the outbox locked", n)
	}
}
