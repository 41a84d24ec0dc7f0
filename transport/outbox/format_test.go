package outbox

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/injectkit/injectkit/transport/outbox/outboxtest"
)

// markOf returns the format mark of the outbox file at path, which no
// store holds open.
func markOf(t *testing.T, path string) string {
	t.Helper()
	var mark string
	outboxtest.View(t, path, func(tx *bolt.Tx) error {
		if meta := tx.Bucket(bucketMeta); meta != nil {
			mark = string(meta.Get(keyFormat))
		}
		return nil
	})
	return mark
}

// setMark writes mark as the format mark of the outbox file at path.
func setMark(t *testing.T, path, mark string) {
	t.Helper()
	outboxtest.Update(t, path, func(tx *bolt.Tx) error { return tx.Bucket(bucketMeta).Put(keyFormat, []byte(mark)) })
}

// closedURL returns the URL of a loopback port nothing listens on.
func closedURL(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	url := "http://" + l.Addr().String()
	_ = l.Close()
	return url
}

// leaseAll makes every pending record of the outbox file at path, which
// no store holds open, one that process pid is sending, its lease ending
// in a minute; written as a process of format version ownerFormat writes
// a claim (0: an earlier version, which does not write it), the mark left
// as it is.
func leaseAll(t *testing.T, path string, pid, ownerFormat int) {
	t.Helper()
	outboxtest.Update(t, path, func(tx *bolt.Tx) error {
		return outboxtest.EditAll(tx.Bucket(bucketPending), func(v []byte) ([]byte, error) {
			r, err := decode(v)
			if err != nil {
				return nil, err
			}
			r.Owner, r.OwnerStart, r.LeaseUntil = pid, processStart(pid), time.Now().Add(time.Minute)
			r.ownerFormat = ownerFormat
			return encode(r)
		})
	})
}

// An outbox of format 1 is read as it is, and marked format 2 (which every
// earlier version refuses) by the first write to it that an earlier
// version would misread (a put; a body an earlier version could not read
// moved back to pending), in that write's transaction: a write that fails
// leaves the mark as it was, and so does a write an earlier version reads
// as it wrote it (a claim, a give-back, a delivery's removal, a drop), so
// that an older process still resending what it stored there is not
// locked out, its delivered bodies left to be posted twice.
func TestFormatMarkUpgradedByTheFirstWrite(t *testing.T) {
	other := liveProcess(t) // another live process
	tests := []struct {
		name     string
		opts     Options
		before   func(t *testing.T, path string) // before the store opens it
		use      func(t *testing.T, s *Store) error
		upgraded bool
	}{
		{"listed", Options{}, nil, func(_ *testing.T, s *Store) error { _, err := s.List(); return err }, false},
		{"listed read-only", Options{ReadOnly: true, Shared: true}, nil, func(_ *testing.T, s *Store) error {
			_, err := s.List()
			return err
		}, false},
		{"a body read", Options{Shared: true}, nil, func(_ *testing.T, s *Store) error { _, err := s.Get(1); return err }, false},
		{"a put past the bound", Options{MaxBytes: 1}, nil, func(_ *testing.T, s *Store) error {
			_, err := s.Put(entry("new", 0, 1, `{"phase":"p"}`))
			if !errors.Is(err, ErrFull) {
				return err
			}
			return nil
		}, false},
		{"a put whose commit fails", Options{}, nil, func(_ *testing.T, s *Store) error {
			failed := errors.New("disk full")
			s.SetCommitHooks(nil, nil, func() error { return failed })
			if _, err := s.Put(entry("new", 0, 1, `{"phase":"p"}`)); !errors.Is(err, failed) {
				return err
			}
			return nil
		}, false},
		{"a body put", Options{Shared: true}, nil, func(_ *testing.T, s *Store) error {
			_, err := s.Put(entry("new", 0, 1, `{"phase":"p"}`))
			return err
		}, true},
		{"a body put while an earlier version's live process sends from it: refused", Options{Shared: true}, func(t *testing.T, path string) {
			leaseAll(t, path, other, 0)
		}, func(_ *testing.T, s *Store) error {
			before, _ := s.List()
			_, err := s.Put(entry("new", 0, 1, `{"phase":"p"}`))
			var he *HeldByOlderError
			if !errors.As(err, &he) || !errors.Is(err, ErrLocked) || he.Owner != other {
				return fmt.Errorf("put: %v, want a *HeldByOlderError naming pid %d", err, other)
			}
			if st, err := s.Stats(); err != nil || !errors.As(st.Older, &he) {
				return fmt.Errorf("Stats: %+v, %v; want Older a *HeldByOlderError", st, err)
			}
			if u, err := s.Usage(); err != nil || !errors.As(u.Older, &he) {
				return fmt.Errorf("Usage: %+v, %v; want Older a *HeldByOlderError", u, err)
			}
			// Reason, for a daemon's /healthz, is Error without the
			// advice to the command's user.
			if r := he.Reason(); strings.Contains(r, "run this once") || !strings.HasPrefix(he.Error(), r) ||
				!strings.Contains(he.Error(), "run this once that process has ended") {
				return fmt.Errorf("Reason %q, Error %q: want Error the Reason and the advice", r, he.Error())
			}
			if after, _ := s.List(); len(after) != len(before) {
				return fmt.Errorf("%d records after the refused put, want %d", len(after), len(before))
			}
			return nil
		}, false},
		{"a body put while this version's live process sends from it", Options{Shared: true}, func(t *testing.T, path string) {
			leaseAll(t, path, other, formatVersion)
		}, func(_ *testing.T, s *Store) error {
			if st, err := s.Stats(); err != nil || st.Older != nil {
				return fmt.Errorf("Stats: %+v, %v; want no Older", st, err)
			}
			if u, err := s.Usage(); err != nil || u.Older != nil {
				return fmt.Errorf("Usage: %+v, %v; want no Older", u, err)
			}
			_, err := s.Put(entry("new", 0, 1, `{"phase":"p"}`))
			return err
		}, true},
		{"a body dropped", Options{}, nil, func(_ *testing.T, s *Store) error { _, err := s.Drop(1); return err }, false},
		{"flushed, every body delivered", Options{}, nil, func(t *testing.T, s *Store) error {
			res, err := (&Resender{Store: s, Client: clientTo(newSink(t, http.StatusOK).URL)}).Flush(context.Background())
			if err == nil && (res.Delivered == 0 || res.Failed+res.Busy+res.Rejected > 0) {
				err = fmt.Errorf("flush %+v, want every body delivered", res)
			}
			return err
		}, false},
		{"flushed, every body another live process's", Options{Shared: true}, func(t *testing.T, path string) {
			leaseAll(t, path, other, 0)
		}, func(t *testing.T, s *Store) error {
			res, err := (&Resender{Store: s, Client: clientTo(newSink(t, http.StatusOK).URL)}).Flush(context.Background())
			if err == nil && (res.Busy == 0 || res.Delivered+res.Failed+res.Rejected > 0) {
				err = fmt.Errorf("flush %+v, want every body busy", res)
			}
			return err
		}, false},
		{"flushed, the backend down", Options{}, nil, func(t *testing.T, s *Store) error {
			res, err := (&Resender{Store: s, Client: clientTo(closedURL(t))}).Flush(context.Background())
			if err == nil && (res.Failed == 0 || res.Delivered > 0) {
				err = fmt.Errorf("flush %+v, want every body failed", res)
			}
			return err
		}, false},
		{"a body moved to the dead list and retried", Options{}, nil, func(_ *testing.T, s *Store) error {
			if err := s.MoveToDead(1, 1, 400, "bad", "refused"); err != nil {
				return err
			}
			_, err := s.RetryDead(1)
			return err
		}, false},
		{"a body an earlier version could not read, retried", Options{}, nil, func(_ *testing.T, s *Store) error {
			if err := s.moveToDead(1, 0, 0, "", "stored body: unknown codec '{'", ReasonCorrupt); err != nil {
				return err
			}
			_, err := s.RetryDead(1)
			return err
		}, true},
		{"a start of a run recorded and ended", Options{}, nil, func(_ *testing.T, s *Store) error {
			run, _, err := s.StartRun("i-1", 2)
			run.End()
			return err
		}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := copyFirstOutbox(t)
			if got := markOf(t, path); got != formatV1 {
				t.Fatalf("testdata marked %q, want %q", got, formatV1)
			}
			if tt.before != nil {
				tt.before(t, path)
			}
			s := mustOpen(t, path, tt.opts)
			if err := tt.use(t, s); err != nil {
				t.Fatal(err)
			}
			if err := s.Close(); err != nil {
				t.Fatal(err)
			}
			want := formatV1
			if tt.upgraded {
				want = format
			}
			if got := markOf(t, path); got != want {
				t.Errorf("marked %q, want %q", got, want)
			}
			// Read again, as it is.
			s = mustOpen(t, path, Options{})
			defer s.Close()
			if _, err := s.List(); err != nil {
				t.Error(err)
			}
		})
	}
}

// A new outbox is marked format 2.
func TestFormatMarkOfANewFile(t *testing.T) {
	s := openTemp(t, Options{})
	path := s.Path()
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if got := markOf(t, path); got != format {
		t.Errorf("marked %q, want %q", got, format)
	}
}

// A file whose mark is of a later format is refused, not called corrupt,
// naming the file and its mark, and left as it is; any other mark is not
// an outbox's.
func TestFormatMarkRefused(t *testing.T) {
	tests := []struct {
		mark  string
		newer bool
	}{
		{"injectkit-outbox/3", true},
		{"injectkit-outbox/12", true},
		{"injectkit-outbox/0", false},
		{"injectkit-outbox/03", false},
		{"injectkit-outbox/2x", false},
		{"other/1", false},
		{"", false},
	}
	for _, tt := range tests {
		for mode, opts := range map[string]Options{"open": {}, "shared": {Shared: true}, "read-only": {ReadOnly: true}} {
			t.Run(mode+" "+tt.mark, func(t *testing.T) {
				path := filepath.Join(t.TempDir(), "outbox.db")
				s := mustOpen(t, path, Options{})
				if _, err := s.Put(entry("kept", 0, 1, `{"phase":"p"}`)); err != nil {
					t.Fatal(err)
				}
				if err := s.Close(); err != nil {
					t.Fatal(err)
				}
				setMark(t, path, tt.mark)
				before, err := os.ReadFile(path)
				if err != nil {
					t.Fatal(err)
				}
				s, err = Open(path, opts)
				if err == nil {
					_ = s.Close()
					t.Fatal("opened")
				}
				var ne *NewerFormatError
				if newer := errors.As(err, &ne); newer != tt.newer || errors.Is(err, ErrCorrupt) == tt.newer {
					t.Fatalf("%v: newer %t, want %t", err, newer, tt.newer)
				}
				if tt.newer {
					for _, want := range []string{path, `"` + tt.mark + `"`, "written by a newer injectkit; use that version or drain it with it"} {
						if !strings.Contains(err.Error(), want) {
							t.Errorf("%q does not name %q", err, want)
						}
					}
					if !errors.Is(err, ErrNewerFormat) || strings.Contains(err.Error(), "corrupt") {
						t.Errorf("%q: want ErrNewerFormat, not corrupt", err)
					}
				}
				if after, err := os.ReadFile(path); err != nil || string(after) != string(before) {
					t.Errorf("file changed (%v)", err)
				}
			})
		}
	}
}

// A newer format may keep other buckets than this version's: opened
// read-only, such a file is refused as newer, not as corrupt.
func TestNewerFormatWithOtherBucketsRefusedAsNewer(t *testing.T) {
	path := filepath.Join(t.TempDir(), "outbox.db")
	if err := mustOpen(t, path, Options{}).Close(); err != nil {
		t.Fatal(err)
	}
	setMark(t, path, "injectkit-outbox/3")
	outboxtest.Update(t, path, func(tx *bolt.Tx) error { return tx.DeleteBucket(bucketDead) })
	s, err := Open(path, Options{ReadOnly: true})
	if err == nil {
		_ = s.Close()
		t.Fatal("opened")
	}
	if !errors.Is(err, ErrNewerFormat) || errors.Is(err, ErrCorrupt) {
		t.Fatalf("%v: want ErrNewerFormat, not corrupt", err)
	}
}
