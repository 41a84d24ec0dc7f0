package outbox

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/injectkit/injectkit/transport/outbox/outboxtest"
)

// storeKilled stores the bodies of entries in a new outbox at path, then
// leaves, as a process killed while posting them would, the attempts of
// those of interrupt (their indexes in entries) unended in the file of
// attempts of a process that ended: the next Open counts them
// (Record.Interrupted). It returns the stored records.
func storeKilled(t *testing.T, path string, entries []Entry, interrupt ...int) []Record {
	t.Helper()
	s := mustOpen(t, path, Options{})
	recs, err := s.Put(entries...)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	pid, start := endedProcess(t)
	var lines string
	for _, i := range interrupt {
		lines += fmt.Sprintf("s %d %d\n", recs[i].ID, time.Now().Add(-time.Minute).UnixNano())
	}
	name := fmt.Sprintf("%s.sending-%d-%d-x", path, pid, start)
	if err := os.WriteFile(name, []byte(lines), 0o600); err != nil {
		t.Fatal(err)
	}
	return recs
}

// killedEntries are the bodies storeKilled is given in the tests below:
// inject a's data and complete, b's complete, c's complete, a complete
// of inject "a\x00", whose index keys must not be a's; the completes of
// a, b and "a\x00" are interrupted.
var killedEntries = []Entry{
	{InjectID: "a", Phase: "execution_data", BaseURL: "http://127.0.0.1:1", Body: []byte(`{"d":1}`)},
	{InjectID: "a", Phase: "execution_complete", BaseURL: "http://127.0.0.1:1", Body: []byte(`{"c":1}`)},
	{InjectID: "b", Phase: "execution_complete", BaseURL: "http://127.0.0.1:1", Body: []byte(`{"c":2}`)},
	{InjectID: "c", Phase: "execution_complete", BaseURL: "http://127.0.0.1:1", Body: []byte(`{"c":3}`)},
	{InjectID: "a\x00", Phase: "execution_complete", BaseURL: "http://127.0.0.1:1", Body: []byte(`{"c":4}`)},
}

var killedInterrupted = []int{1, 2, 4}

// walked is what InterruptedOf must return: the walk of every pending
// record, PendingOf.
func walked(t *testing.T, s *Store, id string, match func(Record) bool) (uint64, bool) {
	t.Helper()
	r, found, err := s.PendingOf(id, func(r Record) bool { return !r.Interrupted.IsZero() && (match == nil || match(r)) })
	if err != nil {
		t.Fatal(err)
	}
	return r.ID, found
}

// fresh reports whether the index of s is trusted (InterruptedOf reads it).
func fresh(t *testing.T, s *Store) bool {
	t.Helper()
	ok := false
	if err := s.do(false, func(tx *bolt.Tx) error { ok = indexInterrupted.fresh(tx, s.fileID); return nil }); err != nil {
		t.Fatal(err)
	}
	return ok
}

// indexed returns the keys of the index of s, and the pending records
// whose Interrupted is set: each of them has one, and no other record.
func indexed(t *testing.T, s *Store) (keys, interrupted int) {
	t.Helper()
	err := s.do(false, func(tx *bolt.Tx) error {
		keys = tx.Bucket(bucketInterrupted).Stats().KeyN
		return tx.Bucket(bucketPending).ForEach(func(_, v []byte) error {
			if r, err := decode(v); err == nil && !r.Interrupted.IsZero() {
				interrupted++
			}
			return nil
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	return keys, interrupted
}

// InterruptedOf reads the index, which each write and removal keeps: it
// finds what the walk of every pending record finds, through deliveries,
// moves to the dead list and back, in both modes.
func TestInterruptedOf(t *testing.T) {
	tests := []struct {
		name   string
		change func(t *testing.T, s *Store, recs []Record)
		match  func(Record) bool
		want   map[string]int // inject id: the index in killedEntries of the record found, -1 for none
	}{
		{name: "counted at open", want: map[string]int{"a": 1, "b": 2, "c": -1, "a\x00": 4, "": -1, "nowhere": -1}},
		{name: "delivered", change: func(t *testing.T, s *Store, recs []Record) {
			if err := s.Delete(recs[1].ID); err != nil {
				t.Fatal(err)
			}
		}, want: map[string]int{"a": -1, "b": 2, "a\x00": 4}},
		{name: "delivered, its size known", change: func(t *testing.T, s *Store, recs []Record) {
			if _, err := s.remove([]removal{{id: recs[2].ID, size: recs[2].Size}}, true); err != nil {
				t.Fatal(err)
			}
		}, want: map[string]int{"a": 1, "b": -1}},
		{name: "dead", change: func(t *testing.T, s *Store, recs []Record) {
			if err := s.MoveToDead(recs[1].ID, 2, 400, "no", "rejected"); err != nil {
				t.Fatal(err)
			}
		}, want: map[string]int{"a": -1, "b": 2}},
		{name: "dead, then retried", change: func(t *testing.T, s *Store, recs []Record) {
			if err := s.MoveToDead(recs[1].ID, 2, 400, "no", "rejected"); err != nil {
				t.Fatal(err)
			}
			if _, err := s.RetryDead(recs[1].ID); err != nil {
				t.Fatal(err)
			}
		}, want: map[string]int{"a": 1}},
		{name: "claimed, failed again", change: func(t *testing.T, s *Store, recs []Record) {
			if _, ok, err := s.Claim(recs[2].ID); err != nil || !ok {
				t.Fatal(ok, err)
			}
			if err := s.MarkFailed(recs[2].ID, 1, "status 503", time.Now()); err != nil {
				t.Fatal(err)
			}
		}, want: map[string]int{"b": 2}},
		{name: "match refuses", match: func(r Record) bool { return r.Phase == "execution_data" }, want: map[string]int{"a": -1, "b": -1}},
		{name: "match takes", match: func(r Record) bool { return r.InjectID == "b" }, want: map[string]int{"a": -1, "b": 2}},
	}
	for _, shared := range []bool{false, true} {
		for _, tt := range tests {
			t.Run(fmt.Sprintf("shared=%t/%s", shared, tt.name), func(t *testing.T) {
				path := filepath.Join(t.TempDir(), "outbox.db")
				recs := storeKilled(t, path, killedEntries, killedInterrupted...)
				s := mustOpen(t, path, Options{Shared: shared})
				defer s.Close()
				if tt.change != nil {
					tt.change(t, s, recs)
				}
				if !fresh(t, s) {
					t.Fatal("the index is not trusted: InterruptedOf walks the pending records")
				}
				if keys, want := indexed(t, s); keys != want {
					t.Errorf("the index holds %d keys, for %d interrupted pending records", keys, want)
				}
				for id, want := range tt.want {
					r, found, err := s.InterruptedOf(id, tt.match)
					if err != nil {
						t.Fatal(err)
					}
					wantID, wantFound := walked(t, s, id, tt.match)
					if found != wantFound || r.ID != wantID {
						t.Errorf("InterruptedOf(%q) = %d, %t; the walk finds %d, %t", id, r.ID, found, wantID, wantFound)
					}
					switch {
					case want < 0 && found:
						t.Errorf("InterruptedOf(%q) found %d, want none", id, r.ID)
					case want >= 0 && (!found || r.ID != recs[want].ID || r.Interrupted.IsZero() || r.State != Pending):
						t.Errorf("InterruptedOf(%q) = %+v, %t; want record %d, interrupted", id, r, found, recs[want].ID)
					}
				}
			})
		}
	}
}

// An outbox an earlier version wrote to (one that keeps no index: it
// counted an interrupted attempt itself, or the file is from before the
// index) is walked until the index is rebuilt, by the next opener that
// writes; a copy made by compaction keeps the index trusted.
func TestInterruptedIndexNotKept(t *testing.T) {
	// interruptRaw sets Interrupted on record id as an earlier version's
	// count of its attempt does: without the index.
	interruptRaw := func(id uint64) func(*bolt.Tx) error {
		return func(tx *bolt.Tx) error {
			raw := tx.Bucket(bucketPending).Get(key(id))
			r, err := decode(raw)
			if err != nil {
				return err
			}
			r.Interrupted = time.Now()
			v, err := encode(r)
			if err != nil {
				return err
			}
			return tx.Bucket(bucketPending).Put(key(id), v)
		}
	}
	noIndex := func(tx *bolt.Tx) error {
		if err := tx.DeleteBucket(bucketInterrupted); err != nil {
			return err
		}
		return tx.Bucket(bucketMeta).Delete(keyIndexMark)
	}
	tests := []struct {
		name  string
		opts  Options
		write func(recs []Record) func(*bolt.Tx) error
		fresh bool // the index trusted once opened
	}{
		{"earlier version's count", Options{}, func(recs []Record) func(*bolt.Tx) error { return interruptRaw(recs[3].ID) }, true},
		{"before the index", Options{}, func([]Record) func(*bolt.Tx) error { return noIndex }, true},
		{"before the index, read-only", Options{ReadOnly: true}, func([]Record) func(*bolt.Tx) error { return noIndex }, false},
		{"earlier version's count, read-only", Options{ReadOnly: true},
			func(recs []Record) func(*bolt.Tx) error { return interruptRaw(recs[3].ID) }, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "outbox.db")
			recs := storeKilled(t, path, killedEntries, killedInterrupted...)
			mustOpen(t, path, Options{}).Close() // counts the attempts, keeps the index
			outboxtest.Update(t, path, tt.write(recs))
			s := mustOpen(t, path, tt.opts)
			defer s.Close()
			if got := fresh(t, s); got != tt.fresh {
				t.Errorf("index trusted = %t, want %t", got, tt.fresh)
			}
			for _, id := range []string{"a", "b", "c", "a\x00"} {
				r, found, err := s.InterruptedOf(id, nil)
				if err != nil {
					t.Fatal(err)
				}
				if wantID, wantFound := walked(t, s, id, nil); found != wantFound || r.ID != wantID {
					t.Errorf("InterruptedOf(%q) = %d, %t; the walk finds %d, %t", id, r.ID, found, wantID, wantFound)
				}
			}
			if _, found, _ := s.InterruptedOf("b", nil); !found {
				t.Error("b's interrupted complete not found")
			}
		})
	}

	t.Run("shared, written between operations", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "outbox.db")
		recs := storeKilled(t, path, killedEntries, killedInterrupted...)
		s := mustOpen(t, path, Options{Shared: true})
		defer s.Close()
		if _, found, err := s.InterruptedOf("c", nil); err != nil || found {
			t.Fatalf("c before: %t, %v", found, err)
		}
		outboxtest.Update(t, path, interruptRaw(recs[3].ID))
		r, found, err := s.InterruptedOf("c", nil)
		if err != nil || !found || r.ID != recs[3].ID {
			t.Errorf("c after an earlier version counted it: %d, %t, %v", r.ID, found, err)
		}
	})

	t.Run("compacted", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "outbox.db")
		recs := storeKilled(t, path, killedEntries, killedInterrupted...)
		s := mustOpen(t, path, Options{})
		defer s.Close()
		if _, _, err := s.Compact(); err != nil {
			t.Fatal(err)
		}
		if !fresh(t, s) {
			t.Error("the index is not trusted after a compaction")
		}
		if r, found, err := s.InterruptedOf("a", nil); err != nil || !found || r.ID != recs[1].ID {
			t.Errorf("a after a compaction: %d, %t, %v", r.ID, found, err)
		}
	})
}
