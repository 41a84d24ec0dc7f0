package outbox

import (
	"context"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	bolt "go.etcd.io/bbolt"
)

// markOf returns the format mark of the outbox file at path, which no
// store holds open.
func markOf(t *testing.T, path string) string {
	t.Helper()
	db, err := bolt.Open(path, 0o600, &bolt.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var mark string
	err = db.View(func(tx *bolt.Tx) error {
		if meta := tx.Bucket(bucketMeta); meta != nil {
			mark = string(meta.Get(keyFormat))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return mark
}

// setMark writes mark as the format mark of the outbox file at path.
func setMark(t *testing.T, path, mark string) {
	t.Helper()
	db, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.Update(func(tx *bolt.Tx) error { return tx.Bucket(bucketMeta).Put(keyFormat, []byte(mark)) }); err != nil {
		t.Fatal(err)
	}
}

// An outbox of format 1 is read as it is, and marked format 2 (which every
// earlier version refuses) by the first write to it, in that write's
// transaction: a write that fails leaves the mark as it was.
func TestFormatMarkUpgradedByTheFirstWrite(t *testing.T) {
	tests := []struct {
		name     string
		opts     Options
		use      func(t *testing.T, s *Store) error
		upgraded bool
	}{
		{"listed", Options{}, func(_ *testing.T, s *Store) error { _, err := s.List(); return err }, false},
		{"listed read-only", Options{ReadOnly: true, Shared: true}, func(_ *testing.T, s *Store) error {
			_, err := s.List()
			return err
		}, false},
		{"a body read", Options{Shared: true}, func(_ *testing.T, s *Store) error { _, err := s.Get(1); return err }, false},
		{"a put past the bound", Options{MaxBytes: 1}, func(_ *testing.T, s *Store) error {
			_, err := s.Put(entry("new", 0, 1, `{"phase":"p"}`))
			if !errors.Is(err, ErrFull) {
				return err
			}
			return nil
		}, false},
		{"a put whose commit fails", Options{}, func(_ *testing.T, s *Store) error {
			failed := errors.New("disk full")
			s.SetCommitHooks(nil, nil, func() error { return failed })
			if _, err := s.Put(entry("new", 0, 1, `{"phase":"p"}`)); !errors.Is(err, failed) {
				return err
			}
			return nil
		}, false},
		{"a body put", Options{Shared: true}, func(_ *testing.T, s *Store) error {
			_, err := s.Put(entry("new", 0, 1, `{"phase":"p"}`))
			return err
		}, true},
		{"a body dropped", Options{}, func(_ *testing.T, s *Store) error { _, err := s.Drop(1); return err }, true},
		{"flushed", Options{}, func(t *testing.T, s *Store) error {
			_, err := (&Resender{Store: s, Client: clientTo(newSink(t, http.StatusOK).URL)}).Flush(context.Background())
			return err
		}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := copyFirstOutbox(t)
			if got := markOf(t, path); got != formatV1 {
				t.Fatalf("testdata marked %q, want %q", got, formatV1)
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
	db, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Update(func(tx *bolt.Tx) error { return tx.DeleteBucket(bucketDead) }); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	s, err := Open(path, Options{ReadOnly: true})
	if err == nil {
		_ = s.Close()
		t.Fatal("opened")
	}
	if !errors.Is(err, ErrNewerFormat) || errors.Is(err, ErrCorrupt) {
		t.Fatalf("%v: want ErrNewerFormat, not corrupt", err)
	}
}
