//go:build unix && !solaris && !aix && !android

package outbox

import (
	"errors"
	"os"
	"path/filepath"
	"sync/atomic"
	"syscall"
	"testing"
	"testing/synctest"
	"time"
)

// TestCallsGoOnWhileAnOpeningWaits checks that a read waiting for another
// process's lock does not hold the Store's mutex: a call that does not
// wait (Hold, StatsNow: serve's first hold of the file, a try) meets the
// lock at once instead of queueing behind the read for the rest of its
// wait, and the read, whose lock is freed once they returned, succeeds.
// Before, each call queued behind the read until its wait gave up (the
// lock timeout), and the read then failed with the lock.
func TestCallsGoOnWhileAnOpeningWaits(t *testing.T) {
	tests := []struct {
		name string
		call func(*Store) error
	}{
		{"Hold", func(s *Store) error {
			release, err := s.Hold()
			release()
			return err
		}},
		{"StatsNow", func(s *Store) error { _, err := s.StatsNow(); return err }},
		{"LockWait", func(s *Store) error { return s.LockWait() }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "outbox.db")
			// The lock timeout outlasts the test by far: a call queued
			// behind the read makes the read give up.
			s := mustOpen(t, path, Options{Shared: true, Timeout: DefaultTimeout})
			defer s.Close()
			waiting := make(chan struct{}, 1)
			s.SetWaitingHook(func() { waiting <- struct{}{} })
			other := mustOpen(t, path, Options{}) // another process: holds the file until closed
			read := make(chan error, 1)
			go func() { _, err := s.List(); read <- err }()
			<-waiting
			if err := tt.call(s); !errors.Is(err, ErrLocked) {
				t.Errorf("%s while a read waits for the lock = %v, want the lock", tt.name, err)
			}
			if err := other.Close(); err != nil {
				t.Fatal(err)
			}
			if err := <-read; err != nil {
				t.Errorf("the read, its lock freed within its wait: %v", err)
			}
		})
	}
}

// TestReadsWaitingTogetherWaitOneTimeout checks that a read that comes
// while another waits for the lock joins it: both give up once the first
// has waited the lock timeout, not one after the other (the room check of
// serve behind a /metrics scrape's read waited two timeouts), and the
// file is waited for once. On synctest's clock.
func TestReadsWaitingTogetherWaitOneTimeout(t *testing.T) {
	path := filepath.Join(t.TempDir(), "outbox.db")
	s := mustOpen(t, path, Options{Shared: true, Timeout: time.Minute})
	defer s.Close()
	other := mustOpen(t, path, Options{})
	defer other.Close()
	synctest.Test(t, func(t *testing.T) {
		var waits atomic.Int32
		s.SetWaitingHook(func() { waits.Add(1) })
		start := time.Now()
		type result struct {
			err  error
			took time.Duration
		}
		first, second := make(chan result, 1), make(chan result, 1)
		go func() { _, err := s.List(); first <- result{err, time.Since(start)} }()
		synctest.Wait() // the first waits for the lock
		go func() { _, err := s.Usage(); second <- result{err, time.Since(start)} }()
		for name, ch := range map[string]chan result{"first": first, "second": second} {
			r := <-ch
			if !errors.Is(r.err, ErrLocked) {
				t.Errorf("%s read = %v, want the lock", name, r.err)
			}
			if r.took != time.Minute {
				t.Errorf("%s read gave up after %v, want one lock timeout (%v)", name, r.took, time.Minute)
			}
		}
		if got := waits.Load(); got != 1 {
			t.Errorf("the lock was waited for %d times, want 1", got)
		}
	})
}

// flockFile holds an exclusive lock on path, as another process would,
// until the test ends.
func flockFile(t *testing.T, path string) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = f.Close() })
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		t.Fatal(err)
	}
}

// TestOpenDeferred checks a Store opened while another process holds its
// file: returned with the lock's error, not opened until an operation
// takes the lock, which then does Open's work under it (a compaction's
// leftover removed); and that a locked file that is no bbolt file is
// refused at once, as Open refuses it.
func TestOpenDeferred(t *testing.T) {
	t.Run("locked outbox", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "outbox.db")
		other := mustOpen(t, path, Options{}) // holds the file until closed
		s, err := OpenDeferred(path, Options{Shared: true}, 0)
		if s == nil || !errors.Is(err, ErrLocked) {
			t.Fatalf("OpenDeferred = %v, %v; want a Store and the lock", s, err)
		}
		defer s.Close()
		leftover := filepath.Join(filepath.Dir(path), s.compactPrefix()+"1")
		if err := os.WriteFile(leftover, []byte("x"), 0o600); err != nil {
			t.Fatal(err)
		}
		select {
		case <-s.Opened():
			t.Fatal("Opened closed while the lock is held")
		default:
		}
		if err := s.FinishOpen(0); !errors.Is(err, ErrLocked) {
			t.Fatalf("FinishOpen while locked = %v", err)
		}
		if err := s.LockWait(); !errors.Is(err, ErrLocked) {
			t.Errorf("LockWait while not opened = %v, want the lock", err)
		}
		if _, err := os.Stat(leftover); err != nil {
			t.Fatalf("the leftover went while the lock was held: %v", err)
		}
		if err := other.Close(); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Put(Entry{InjectID: "i-1", Phase: "execution_complete", TotalChunks: 1, BaseURL: "http://127.0.0.1:1", Body: []byte(`{"a":1}`)}); err != nil {
			t.Fatalf("Put once the lock is free: %v", err)
		}
		select {
		case <-s.Opened():
		default:
			t.Fatal("Opened not closed after an operation took the lock")
		}
		if _, err := os.Stat(leftover); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("the leftover of a compaction is still there: %v", err)
		}
		if err := s.FinishOpen(0); err != nil {
			t.Errorf("FinishOpen once opened = %v", err)
		}
		if err := s.LockWait(); err != nil {
			t.Errorf("LockWait once opened = %v", err)
		}
	})
	t.Run("free outbox", func(t *testing.T) {
		s, err := OpenDeferred(filepath.Join(t.TempDir(), "outbox.db"), Options{Shared: true}, 0)
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		select {
		case <-s.Opened():
		default:
			t.Fatal("Opened not closed")
		}
	})
	t.Run("closed unopened", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "outbox.db")
		other := mustOpen(t, path, Options{})
		defer other.Close()
		s, err := OpenDeferred(path, Options{Shared: true}, 0)
		if !errors.Is(err, ErrLocked) {
			t.Fatal(err)
		}
		if err := s.Close(); err != nil {
			t.Errorf("Close of a Store never opened = %v", err)
		}
	})
	t.Run("locked file that is not bbolt", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "notes.txt")
		if err := os.WriteFile(path, []byte("some notes, not an outbox at all\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		flockFile(t, path)
		s, err := OpenDeferred(path, Options{Shared: true}, 0)
		var ce *CorruptError
		if s != nil || !errors.As(err, &ce) {
			t.Fatalf("OpenDeferred = %v, %v; want no Store and a *CorruptError", s, err)
		}
	})
}
