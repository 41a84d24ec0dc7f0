package outbox

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/injectkit/injectkit/transport/outbox/outboxtest"
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
			if _, err := s.Move(func(string) bool { return true }, "http://127.0.0.1:2"); err != nil {
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
