package outbox

import (
	"context"
	"errors"
	"os"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// withoutAttemptsFile leaves s as an Open that could not create its file
// of attempts (a disk already full, a directory not writable) leaves it:
// no file, the first note creates it (see prepareAttempts).
func withoutAttemptsFile(t *testing.T, s *Store) {
	t.Helper()
	a := &s.attempts
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.f != nil {
		_ = a.f.Close()
		a.f = nil
	}
	if err := os.Remove(s.attemptsPath()); err != nil && !errors.Is(err, os.ErrNotExist) {
		t.Fatal(err)
	}
}

// Open creates the Store's file of attempts, so that a body stored and
// sent once the disk has filled is not held for want of it: the file's
// creation failing from then on (ENOSPC, injected), each attempt is
// noted all the same and its body posted, by a Resender (serve's) and by
// Send (a run's). The file was created at the first note, so that a
// disk full by then held every body, though the outbox had room to send
// them and so to free its own.
func TestAttemptsFileCreatedAtOpen(t *testing.T) {
	tests := []struct {
		name string
		send func(t *testing.T, s *Store, p Poster) (posted bool)
	}{
		{"resender", func(t *testing.T, s *Store, p Poster) bool {
			r := putComplete(t, s)
			if err := s.MarkFailed(r.ID, 1, "connection refused", time.Now()); err != nil { // tried by its run
				t.Fatal(err)
			}
			rs := &Resender{Store: s, Client: func(string) (Poster, error) { return p, nil }}
			res, err := rs.Flush(context.Background())
			if err != nil || res.Unnoted != 0 {
				t.Errorf("flush: %+v, %v; want the attempt noted", res, err)
			}
			return res.Delivered == 1
		}},
		{"send", func(t *testing.T, s *Store, p Poster) bool {
			out, err := s.Send(context.Background(), p, putComplete(t, s), time.Minute)
			if err != nil {
				t.Errorf("send: %v; want the attempt noted", err)
			}
			return out == Delivered
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := openTemp(t, Options{})
			if fi, err := os.Lstat(s.attemptsPath()); err != nil || !fi.Mode().IsRegular() {
				t.Errorf("file of attempts after Open: %v, %v; want it created", fi, err)
			}
			var creations atomic.Int32
			s.SetAttemptsFileHook(func() error { creations.Add(1); return syscall.ENOSPC })
			var posts atomic.Int32
			p := posterFunc(func(context.Context, string, int, []byte) error { posts.Add(1); return nil })
			if posted := tt.send(t, s, p); !posted || posts.Load() != 1 {
				t.Errorf("delivered %v, %d posts; want the body posted once", posted, posts.Load())
			}
			if n := creations.Load(); n != 0 {
				t.Errorf("%d creations of the file of attempts after Open, want none", n)
			}
		})
	}
}

// An Open that cannot create its file of attempts (ENOSPC, injected)
// succeeds (a full disk must not keep anyone from listing or draining the
// outbox), and its Store posts nothing until the file can be created:
// the send is refused, its error naming the file and the cause, the body
// kept pending; once the file can be created, the body is sent.
func TestAttemptsFileNotCreatedAtOpen(t *testing.T) {
	s := openTemp(t, Options{})
	withoutAttemptsFile(t, s)
	full := true
	s.SetAttemptsFileHook(func() error {
		if full {
			return syscall.ENOSPC
		}
		return nil
	})
	posts := 0
	p := posterFunc(func(context.Context, string, int, []byte) error { posts++; return nil })
	r := putComplete(t, s)
	_, err := s.Send(context.Background(), p, r, time.Minute)
	if err == nil || !NotNoted(err) || !strings.Contains(err.Error(), s.attemptsPath()) || !errors.Is(err, syscall.ENOSPC) {
		t.Errorf("send on a full disk: %v; want it not noted, naming %s and ENOSPC", err, s.attemptsPath())
	}
	if posts != 0 {
		t.Fatalf("%d posts without a note, want none", posts)
	}
	full = false
	if out, err := s.Send(context.Background(), p, r, time.Minute); out != Delivered || err != nil || posts != 1 {
		t.Errorf("send once the file can be created: outcome %d, %v, %d posts; want it delivered, posted once", out, err, posts)
	}
}
