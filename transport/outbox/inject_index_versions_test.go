package outbox

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	bolt "go.etcd.io/bbolt"

	"github.com/injectkit/injectkit/transport/outbox/outboxtest"
)

// An outbox an earlier version wrote to (one that keeps no index of
// pending records, or only that of interrupted ones, or a file from
// before the indexes) is walked until the index is rebuilt, by the next
// opener that writes; a copy made by compaction keeps it trusted.
func TestPendingIndexNotKept(t *testing.T) {
	// putRaw stores a pending record of inject "a" as an earlier version
	// does: without its key; advance also advances the mark of the index
	// of interrupted records, as the version before this index does.
	putRaw := func(advance bool) func([]Record) func(*bolt.Tx) error {
		return func(recs []Record) func(*bolt.Tx) error {
			return func(tx *bolt.Tx) error {
				r := recs[0]
				r.ID = recs[len(recs)-1].ID + 100
				raw, err := encode(r)
				if err != nil {
					return err
				}
				if err := tx.Bucket(bucketPending).Put(key(r.ID), raw); err != nil {
					return err
				}
				if err := tx.Bucket(bucketBodies).Put(key(r.ID), []byte(`r{"d":1}`)); err != nil {
					return err
				}
				if advance {
					return earlierMark(tx, indexInterrupted)
				}
				return nil
			}
		}
	}
	// deleteRaw removes the records of inject "a" as an earlier version
	// does: leaving their keys.
	deleteRaw := func(recs []Record) func(*bolt.Tx) error {
		return func(tx *bolt.Tx) error {
			for _, i := range []int{0, 1, 2} {
				if err := errors.Join(tx.Bucket(bucketPending).Delete(key(recs[i].ID)), tx.Bucket(bucketBodies).Delete(key(recs[i].ID))); err != nil {
					return err
				}
			}
			return nil
		}
	}
	noIndex := func([]Record) func(*bolt.Tx) error {
		return func(tx *bolt.Tx) error {
			if err := tx.DeleteBucket(bucketByInject); err != nil {
				return err
			}
			return tx.Bucket(bucketMeta).Delete(keyByInjectMark)
		}
	}
	tests := []struct {
		name  string
		opts  Options
		write func(recs []Record) func(*bolt.Tx) error
		fresh bool // the index trusted once opened
		wantA func(recs []Record) uint64
	}{
		{"earlier version's put", Options{}, putRaw(false), true, func(recs []Record) uint64 { return recs[0].ID }},
		{"the interrupted index's version's put", Options{}, putRaw(true), true, func(recs []Record) uint64 { return recs[0].ID }},
		{"earlier version's removal", Options{}, deleteRaw, true, func([]Record) uint64 { return 0 }},
		{"before the index", Options{}, noIndex, true, func(recs []Record) uint64 { return recs[0].ID }},
		{"earlier version's put, read-only", Options{ReadOnly: true}, putRaw(false), false, func(recs []Record) uint64 { return recs[0].ID }},
		{"earlier version's removal, read-only", Options{ReadOnly: true}, deleteRaw, false, func([]Record) uint64 { return 0 }},
		{"before the index, read-only", Options{ReadOnly: true}, noIndex, false, func(recs []Record) uint64 { return recs[0].ID }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "outbox.db")
			recs := storeByInject(t, path)
			outboxtest.Update(t, path, tt.write(recs))
			s := mustOpen(t, path, tt.opts)
			defer s.Close()
			if got := byInjectFresh(t, s); got != tt.fresh {
				t.Errorf("index trusted = %t, want %t", got, tt.fresh)
			}
			checkByInject(t, s)
			if got, want := pendingOfA(t, s), tt.wantA(recs); got != want {
				t.Errorf(`PendingOf("a") = %d, want %d`, got, want)
			}
		})
	}

	t.Run("the interrupted index's version's put, interrupted index kept", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "outbox.db")
		recs := storeByInject(t, path)
		outboxtest.Update(t, path, putRaw(true)(recs))
		s := mustOpen(t, path, Options{})
		defer s.Close()
		if !fresh(t, s) {
			t.Error("the interrupted index is not trusted once the other is rebuilt")
		}
	})

	t.Run("shared, written between operations", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "outbox.db")
		recs := storeByInject(t, path)
		s := mustOpen(t, path, Options{Shared: true})
		defer s.Close()
		if got := pendingOfA(t, s); got != recs[0].ID {
			t.Fatalf(`PendingOf("a") before = %d`, got)
		}
		outboxtest.Update(t, path, deleteRaw(recs))
		if got := pendingOfA(t, s); got != 0 {
			t.Errorf(`PendingOf("a") after an earlier version removed a's records = %d`, got)
		}
		checkByInject(t, s)
	})

	t.Run("compacted after an earlier version's write", func(t *testing.T) {
		dir := t.TempDir()
		path := filepath.Join(dir, "outbox.db")
		recs := storeByInject(t, path)
		// The version before this index: it keeps the other.
		outboxtest.Update(t, path, func(tx *bolt.Tx) error {
			return errors.Join(deleteRaw(recs)(tx), earlierMark(tx, indexInterrupted))
		})
		// A compaction copies the file as it is (the opener that compacts
		// rebuilds a stale index first): an index untrusted in the file
		// stays so in the copy, one trusted stays trusted.
		src, err := bolt.Open(path, 0o600, nil)
		if err != nil {
			t.Fatal(err)
		}
		stale := filepath.Join(dir, "stale.db")
		if err := errors.Join((&Store{path: path}).copyInto(stale, src), src.Close()); err != nil {
			t.Fatal(err)
		}
		s := mustOpen(t, stale, Options{ReadOnly: true})
		if byInjectFresh(t, s) {
			t.Error("the copy of an untrusted index is trusted")
		}
		if !fresh(t, s) {
			t.Error("the copy of the trusted index of interrupted records is not trusted")
		}
		checkByInject(t, s)
		s.Close()
		s = mustOpen(t, path, Options{})
		defer s.Close()
		if _, _, err := s.Compact(); err != nil {
			t.Fatal(err)
		}
		if !byInjectFresh(t, s) {
			t.Error("the index is not trusted after a compaction")
		}
		checkByInject(t, s)
		if got := pendingOfA(t, s); got != 0 {
			t.Errorf(`PendingOf("a") = %d, want none`, got)
		}
	})
}

// storedInject reads the inject id of a stored record as decode does,
// whatever the id and whatever the other fields hold.
func FuzzStoredInject(f *testing.F) {
	for _, id := range byInjectAsked {
		f.Add(id, `"inject_id":"evil"`)
	}
	f.Add(`a\"b`, `","inject_id":"x`)
	f.Add("\u2028é", "\\")
	f.Fuzz(func(t *testing.T, id, other string) {
		raw, err := encode(Record{ID: 1, State: Pending, InjectID: id, Phase: other, LastError: other, URL: other})
		if err != nil {
			t.Fatal(err)
		}
		r, err := decode(raw)
		if err != nil {
			t.Fatal(err)
		}
		got, ok := storedInject(raw)
		if !ok || got != r.InjectID {
			t.Errorf("storedInject(%s) = %q, %t; decode reads %q", raw, got, ok, r.InjectID)
		}
	})
}

// An earlier version's compaction copies the meta bucket, marks
// included, into a file whose transaction ids start again from the
// first: its writes that follow pass through the id a stale mark names.
// The index is trusted only in the file its mark was written in: a file
// an earlier version compacted, then wrote to until its last transaction
// is the one the mark names, is walked and its index rebuilt, and the
// body that version stored is found.
func TestPendingIndexCompactedByEarlierVersion(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "outbox.db")
	recs := storeByInject(t, path)
	var mark int
	outboxtest.View(t, path, func(tx *bolt.Tx) error { mark = indexByInject.markOf(tx); return nil })
	if mark < 3 {
		t.Fatalf("mark %d: the test needs one above a new file's first write", mark)
	}
	// The earlier version stores a body of inject "z" (without its key),
	// then compacts the file as it did: bolt.Compact into a new file
	// renamed over it.
	z := recs[3]
	z.ID, z.InjectID = recs[len(recs)-1].ID+100, "z"
	putRaw := func(r Record) func(*bolt.Tx) error {
		return func(tx *bolt.Tx) error {
			raw, err := encode(r)
			if err != nil {
				return err
			}
			return errors.Join(tx.Bucket(bucketPending).Put(key(r.ID), raw), tx.Bucket(bucketBodies).Put(key(r.ID), []byte(`r{"c":9}`)))
		}
	}
	outboxtest.Update(t, path, putRaw(z))
	src, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	copied := filepath.Join(dir, "compacted.db")
	dst, err := bolt.Open(copied, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := errors.Join(bolt.Compact(dst, src, compactTxBytes), dst.Close(), src.Close(), os.Rename(copied, path)); err != nil {
		t.Fatal(err)
	}
	// It goes on writing (bodies of other injects stored) until its last
	// transaction is the one the copied mark names.
	for n := 1; ; n++ {
		var last int
		outboxtest.View(t, path, func(tx *bolt.Tx) error { last = tx.ID(); return nil })
		if last == mark {
			break
		}
		if last > mark {
			t.Fatalf("the copy's transaction %d is past the mark %d", last, mark)
		}
		other := recs[3]
		other.ID, other.InjectID = z.ID+uint64(n), fmt.Sprintf("other-%d", n)
		outboxtest.Update(t, path, putRaw(other))
	}
	for _, opts := range []Options{{ReadOnly: true}, {}} {
		s := mustOpen(t, path, opts)
		if byInjectFresh(t, s) && opts.ReadOnly {
			t.Error("read-only: the index an earlier version's compaction copied is trusted")
		}
		r, found, err := s.PendingOf("z", nil)
		if err != nil || !found || r.ID != z.ID {
			t.Errorf("read-only %t: PendingOf(z) = %d, %t, %v; want the body the earlier version stored, %d", opts.ReadOnly, r.ID, found, err, z.ID)
		}
		checkByInject(t, s)
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
	}
}
