package outbox

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

// byInjectEntries are the bodies the tests below store: inject a's data,
// complete and a second data (three records of one inject, to check which
// PendingOf returns), b's complete, a complete of inject "a\x00" (whose
// keys must not be a's), one of an id that is not valid UTF-8 and one of
// an id json.Marshal escapes.
var byInjectEntries = []Entry{
	{InjectID: "a", Phase: "execution_data", BaseURL: "http://127.0.0.1:1", Body: []byte(`{"d":1}`)},
	{InjectID: "a", Phase: "execution_complete", BaseURL: "http://127.0.0.1:1", Body: []byte(`{"c":1}`)},
	{InjectID: "a", Phase: "execution_data", BaseURL: "http://127.0.0.1:1", Body: []byte(`{"d":2}`)},
	{InjectID: "b", Phase: "execution_complete", BaseURL: "http://127.0.0.1:1", Body: []byte(`{"c":2}`)},
	{InjectID: "a\x00", Phase: "execution_complete", BaseURL: "http://127.0.0.1:1", Body: []byte(`{"c":3}`)},
	{InjectID: "x\xffy", Phase: "execution_complete", BaseURL: "http://127.0.0.1:1", Body: []byte(`{"c":4}`)},
	{InjectID: `q"<&>\`, Phase: "execution_complete", BaseURL: "http://127.0.0.1:1", Body: []byte(`{"c":5}`)},
}

// byInjectAsked are the inject ids the tests ask PendingOf for.
var byInjectAsked = []string{"a", "b", "a\x00", "x\xffy", `q"<&>\`, "", "nowhere", "\x01a"}

// byInjectMatches are the matches the tests give PendingOf.
var byInjectMatches = map[string]func(Record) bool{
	"any":      nil,
	"complete": func(r Record) bool { return r.Phase == "execution_complete" },
	"data":     func(r Record) bool { return r.Phase == "execution_data" },
	"none":     func(Record) bool { return false },
}

// storeByInject stores byInjectEntries in a new outbox at path, closed,
// and returns their records.
func storeByInject(t *testing.T, path string) []Record {
	t.Helper()
	s := mustOpen(t, path, Options{})
	recs, err := s.Put(byInjectEntries...)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	return recs
}

// byInjectFresh reports whether the index of pending records of s is
// trusted (PendingOf reads it).
func byInjectFresh(t *testing.T, s *Store) bool {
	t.Helper()
	ok := false
	if err := s.do(false, func(tx *bolt.Tx) error { ok = indexByInject.fresh(tx, s.fileID); return nil }); err != nil {
		t.Fatal(err)
	}
	return ok
}

// checkByInject checks that PendingOf finds, for each inject asked and
// each match, what the walk of every pending record finds, and, when the
// index is trusted, that it holds a key for each pending record and no
// other.
func checkByInject(t *testing.T, s *Store) {
	t.Helper()
	for _, id := range byInjectAsked {
		for name, match := range byInjectMatches {
			r, found, err := s.PendingOf(id, match)
			if err != nil {
				t.Fatal(err)
			}
			var want Record
			var wantFound bool
			gone := s.deferredNow()
			if err := s.do(false, func(tx *bolt.Tx) error {
				want, wantFound = pendingWalked(tx, id, gone, match)
				return nil
			}); err != nil {
				t.Fatal(err)
			}
			if found != wantFound || r.ID != want.ID || r.InjectID != want.InjectID || r.State != want.State {
				t.Errorf("PendingOf(%q, %s) = %d, %t; the walk finds %d, %t", id, name, r.ID, found, want.ID, wantFound)
			}
		}
	}
	if !byInjectFresh(t, s) {
		return
	}
	var keys, want [][]byte
	err := s.do(false, func(tx *bolt.Tx) error {
		if err := tx.Bucket(bucketByInject).ForEach(func(k, _ []byte) error { keys = append(keys, bytes.Clone(k)); return nil }); err != nil {
			return err
		}
		return tx.Bucket(bucketPending).ForEach(func(k, v []byte) error {
			r, err := decode(v)
			if err != nil {
				return err
			}
			want = append(want, injectKey(r.InjectID, binary.BigEndian.Uint64(k)))
			return nil
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	slices.SortFunc(want, bytes.Compare)
	if !slices.EqualFunc(keys, want, bytes.Equal) {
		t.Errorf("the index holds %q; the pending records are %q", keys, want)
	}
}

// earlierMark advances the mark of ix to tx as the version before the
// index by inject did: the transaction id alone.
func earlierMark(tx *bolt.Tx, ix index) error {
	return tx.Bucket(bucketMeta).Put(ix.mark, binary.BigEndian.AppendUint64(nil, uint64(tx.ID())))
}

// pendingOfA returns the id of the record PendingOf finds for inject "a",
// any record; 0 for none.
func pendingOfA(t *testing.T, s *Store) uint64 {
	t.Helper()
	r, found, err := s.PendingOf("a", nil)
	if err != nil {
		t.Fatal(err)
	}
	if !found {
		return 0
	}
	return r.ID
}

// PendingOf reads the index, which each write and removal keeps: it finds
// what the walk of every pending record finds (the lowest id first),
// through puts, deliveries, claims, moves to the dead list and back,
// compactions, in both modes.
func TestPendingOfIndexed(t *testing.T) {
	tests := []struct {
		name   string
		change func(t *testing.T, s *Store, recs []Record)
		wantA  int // the index in byInjectEntries of what PendingOf("a", nil) finds, -1 for none
	}{
		{name: "stored", wantA: 0},
		{name: "stored again", change: func(t *testing.T, s *Store, _ []Record) {
			if _, err := s.Put(byInjectEntries...); err != nil {
				t.Fatal(err)
			}
		}, wantA: 0},
		{name: "delivered", change: func(t *testing.T, s *Store, recs []Record) {
			if err := s.Delete(recs[0].ID, recs[4].ID, recs[5].ID); err != nil {
				t.Fatal(err)
			}
		}, wantA: 1},
		{name: "delivered, its size known", change: func(t *testing.T, s *Store, recs []Record) {
			gone := []removal{{id: recs[0].ID, size: recs[0].Size}, {id: recs[1].ID, size: recs[1].Size}, {id: recs[6].ID, size: recs[6].Size}}
			if _, err := s.remove(gone, true); err != nil {
				t.Fatal(err)
			}
		}, wantA: 2},
		{name: "delivered, removed later", change: func(t *testing.T, s *Store, recs []Record) {
			s.deleteLater([]removal{{id: recs[0].ID, size: recs[0].Size}, {id: recs[3].ID, size: recs[3].Size}})
			s.later.Wait()
		}, wantA: 1},
		{name: "all delivered", change: func(t *testing.T, s *Store, recs []Record) {
			for _, r := range recs {
				if err := s.Delete(r.ID); err != nil {
					t.Fatal(err)
				}
			}
		}, wantA: -1},
		{name: "claimed", change: func(t *testing.T, s *Store, recs []Record) {
			for _, r := range recs {
				if _, ok, err := s.Claim(r.ID); err != nil || !ok {
					t.Fatal(ok, err)
				}
			}
		}, wantA: 0},
		{name: "claimed, failed", change: func(t *testing.T, s *Store, recs []Record) {
			if _, ok, err := s.Claim(recs[0].ID); err != nil || !ok {
				t.Fatal(ok, err)
			}
			if err := s.MarkFailed(recs[0].ID, 1, "status 503", time.Now()); err != nil {
				t.Fatal(err)
			}
		}, wantA: 0},
		{name: "dead", change: func(t *testing.T, s *Store, recs []Record) {
			for _, i := range []int{0, 3, 5} {
				if err := s.MoveToDead(recs[i].ID, 2, 400, "no", "rejected"); err != nil {
					t.Fatal(err)
				}
			}
		}, wantA: 1},
		{name: "dead, then retried", change: func(t *testing.T, s *Store, recs []Record) {
			if err := s.MoveToDead(recs[0].ID, 2, 400, "no", "rejected"); err != nil {
				t.Fatal(err)
			}
			if _, err := s.RetryDead(recs[0].ID); err != nil {
				t.Fatal(err)
			}
		}, wantA: 0},
		{name: "dead, corrupt when claimed", change: func(t *testing.T, s *Store, recs []Record) {
			err := s.do(true, func(tx *bolt.Tx) error {
				return tx.Bucket(bucketBodies).Put(key(recs[0].ID), []byte(`r{"d":9}`))
			})
			if err != nil {
				t.Fatal(err)
			}
			if _, _, err := s.Claim(recs[0].ID); !errors.As(err, new(*RecordError)) {
				t.Fatalf("claim of a corrupt body: %v", err)
			}
		}, wantA: 1},
		{name: "moved to another backend", change: func(t *testing.T, s *Store, recs []Record) {
			if err := s.MoveToDead(recs[1].ID, 2, 400, "no", "rejected"); err != nil {
				t.Fatal(err)
			}
			if _, err := s.Move(context.Background(), func(string) bool { return true }, "http://127.0.0.1:2"); err != nil {
				t.Fatal(err)
			}
		}, wantA: 0},
		{name: "compacted", change: func(t *testing.T, s *Store, recs []Record) {
			if err := s.Delete(recs[0].ID); err != nil {
				t.Fatal(err)
			}
			if _, _, err := s.Compact(); err != nil {
				t.Fatal(err)
			}
		}, wantA: 1},
	}
	for _, shared := range []bool{false, true} {
		for _, tt := range tests {
			t.Run(fmt.Sprintf("shared=%t/%s", shared, tt.name), func(t *testing.T) {
				path := filepath.Join(t.TempDir(), "outbox.db")
				recs := storeByInject(t, path)
				s := mustOpen(t, path, Options{Shared: shared})
				defer s.Close()
				if tt.change != nil {
					tt.change(t, s, recs)
				}
				if !byInjectFresh(t, s) {
					t.Fatal("the index is not trusted: PendingOf walks the pending records")
				}
				checkByInject(t, s)
				want := uint64(0)
				if tt.wantA >= 0 {
					want = recs[tt.wantA].ID
				}
				if got := pendingOfA(t, s); got != want {
					t.Errorf(`PendingOf("a") = %d, want %d`, got, want)
				}
			})
		}
	}
}

// A write that fails after storing its records (a full disk at its
// commit, a crash before it) leaves neither the records nor their keys;
// the file a process killed after its commits leaves behind is indexed
// whole when opened again.
func TestPendingIndexCrash(t *testing.T) {
	t.Run("failed commit", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "outbox.db")
		recs := storeByInject(t, path)
		s := mustOpen(t, path, Options{})
		defer s.Close()
		fail := false
		s.SetCommitHooks(nil, nil, func() error {
			if fail {
				return errors.New("disk full")
			}
			return nil
		})
		fail = true
		if _, err := s.Put(Entry{InjectID: "new", Phase: "execution_complete", BaseURL: "http://127.0.0.1:1", Body: []byte(`{}`)}); err == nil {
			t.Fatal("the put did not fail")
		}
		if err := s.Delete(recs[0].ID); err == nil {
			t.Fatal("the removal did not fail")
		}
		fail = false
		if !byInjectFresh(t, s) {
			t.Fatal("the index is not trusted after failed writes")
		}
		checkByInject(t, s)
		if _, found, _ := s.PendingOf("new", nil); found {
			t.Error("the body of a failed put is found")
		}
		if got := pendingOfA(t, s); got != recs[0].ID {
			t.Errorf(`PendingOf("a") = %d after a failed removal, want %d`, got, recs[0].ID)
		}
	})

	t.Run("killed, opened again", func(t *testing.T) {
		dir := t.TempDir()
		path := filepath.Join(dir, "outbox.db")
		recs := storeByInject(t, path)
		s := mustOpen(t, path, Options{})
		if err := s.Delete(recs[0].ID); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Put(Entry{InjectID: "a", Phase: "execution_data", BaseURL: "http://127.0.0.1:1", Body: []byte(`{"d":3}`)}); err != nil {
			t.Fatal(err)
		}
		// The file as the process holding it open leaves it when killed:
		// its commits are durable, and nothing else is written.
		raw, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
		image := filepath.Join(dir, "killed.db")
		if err := os.WriteFile(image, raw, 0o600); err != nil {
			t.Fatal(err)
		}
		s = mustOpen(t, image, Options{})
		defer s.Close()
		if !byInjectFresh(t, s) {
			t.Fatal("the index is not trusted once opened again")
		}
		checkByInject(t, s)
		if got := pendingOfA(t, s); got != recs[1].ID {
			t.Errorf(`PendingOf("a") = %d, want %d`, got, recs[1].ID)
		}
	})
}
