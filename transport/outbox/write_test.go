package outbox

import (
	"bytes"
	"errors"
	"fmt"
	"iter"
	"strings"
	"sync"
	"testing"

	"github.com/injectkit/injectkit/transport"
)

// Concurrent writes are grouped into shared commits, yet each caller gets
// its own outcome: the one Put that does not fit fails alone.
func TestConcurrentWritesGrouped(t *testing.T) {
	s := openTemp(t, Options{MaxBytes: 100 * 10})
	var wg sync.WaitGroup
	errs := make([]error, 101)
	for i := range 101 {
		wg.Go(func() {
			size := 10
			if i == 50 {
				size = 2000
			}
			_, errs[i] = s.Put(entry(fmt.Sprintf("inj-%d", i), 0, 1, strings.Repeat("x", size)))
		})
	}
	wg.Wait()
	for i, err := range errs {
		if (i == 50) != errors.Is(err, ErrFull) || (i != 50 && err != nil) {
			t.Errorf("put %d: %v", i, err)
		}
	}
	st, err := s.Stats()
	if err != nil || st.Pending != 100 || st.Bytes != 1000 {
		t.Errorf("stats %+v %v", st, err)
	}
	list, _ := s.List()
	var dwg sync.WaitGroup
	for _, r := range list {
		dwg.Go(func() {
			if err := s.Delete(r.ID); err != nil {
				t.Error(err)
			}
		})
	}
	dwg.Wait()
	if st, _ := s.Stats(); st.Pending != 0 || st.Bytes != 0 {
		t.Errorf("after deletes %+v", st)
	}
}

func TestDeleteMany(t *testing.T) {
	s := openTemp(t, Options{})
	recs, err := s.Put(entry("a", 0, 3, "{1}"), entry("a", 1, 3, "{22}"), entry("a", 2, 3, "{333}"))
	if err != nil {
		t.Fatal(err)
	}
	err = s.Delete(recs[0].ID, 999, recs[2].ID)
	if !errors.Is(err, ErrNotFound) || !strings.Contains(err.Error(), "999") {
		t.Errorf("error = %v, want ErrNotFound naming 999", err)
	}
	list, _ := s.List()
	st, _ := s.Stats()
	if len(list) != 1 || list[0].ID != recs[1].ID || st.Bytes != 4 {
		t.Errorf("left %+v, %d bytes", list, st.Bytes)
	}
	if err := s.Delete(); err != nil {
		t.Errorf("Delete of nothing: %v", err)
	}
}

// PutAll writes large sends in several transactions and keeps all or none.
func TestPutAll(t *testing.T) {
	const size = 3 << 20 // three bodies a transaction
	body := func(i int) []byte { return bytes.Repeat([]byte{byte('a' + i)}, size) }
	// entries yields n entries from one reused buffer, calling before(i)
	// first.
	entries := func(n int, before func(i int)) iter.Seq[Entry] {
		return func(yield func(Entry) bool) {
			buf := make([]byte, size)
			for i := range n {
				before(i)
				copy(buf, body(i))
				if !yield(Entry{InjectID: "big", Phase: "p", ChunkIndex: i, TotalChunks: 5, BaseURL: "http://127.0.0.1:1", Body: buf}) {
					return
				}
			}
		}
	}
	nothing := func(int) {}
	t.Run("stored", func(t *testing.T) {
		s := openTemp(t, Options{})
		recs, err := s.PutAll(5, 5*size, entries(5, nothing))
		if err != nil {
			t.Fatal(err)
		}
		for i, r := range recs {
			got, err := s.Get(r.ID)
			if err != nil || !bytes.Equal(got.Body, body(i)) || r.Body != nil || got.ChunkIndex != i {
				t.Errorf("body %d: %v", i, err)
			}
			if want := transport.IdempotencyKey("big", "p", i, body(i)); r.IdempotencyKey != want {
				t.Errorf("body %d: key %s, want %s", i, r.IdempotencyKey, want)
			}
		}
		if st, _ := s.Stats(); st.Pending != 5 || st.Bytes != 5*size {
			t.Errorf("stats %+v", st)
		}
	})
	tests := []struct {
		name   string
		max    int64
		n      int // announced
		before func(s *Store) func(int)
		target error
	}{
		{"full at once", 4 * size, 5, func(*Store) func(int) { return nothing }, ErrFull},
		// Another writer fills the outbox between the two transactions: the
		// first is removed again.
		{"full midway", 6*size - 1, 5, func(s *Store) func(int) {
			return func(i int) {
				if i == 3 {
					if _, err := s.Put(Entry{InjectID: "filler", Phase: "p", Body: body(9)}); err != nil {
						t.Fatal(err)
					}
				}
			}
		}, ErrFull},
		{"fewer than announced", 0, 6, func(*Store) func(int) { return nothing }, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := openTemp(t, Options{MaxBytes: tt.max})
			_, err := s.PutAll(tt.n, int64(tt.n)*size, entries(5, tt.before(s)))
			if err == nil || (tt.target != nil && !errors.Is(err, tt.target)) {
				t.Fatalf("error = %v", err)
			}
			list, _ := s.List()
			for _, r := range list {
				if r.InjectID == "big" {
					t.Errorf("record %d of the failed PutAll kept", r.ID)
				}
			}
		})
	}
}

// A delivered record is removed by the size its deliverer knows without
// being read, unless it is no longer pending (moved to the dead list
// meanwhile): then it is read, and its recorded size freed. Either way the
// bytes used go back to what is left.
func TestRemovalBySize(t *testing.T) {
	s := openTemp(t, Options{})
	recs, err := s.Put(entry("a", 0, 1, strings.Repeat("a", 10)), entry("b", 0, 1, strings.Repeat("b", 20)),
		entry("c", 0, 1, strings.Repeat("c", 40)))
	if err != nil {
		t.Fatal(err)
	}
	if err := s.MoveToDead(recs[1].ID, 1, 400, "no", "rejected"); err != nil {
		t.Fatal(err)
	}
	var missing []uint64
	gone := []removal{{id: recs[0].ID, size: recs[0].Size}, {id: recs[1].ID, size: recs[1].Size}, {id: 999, size: 5}}
	if err := s.do(true, deleteRecords(gone, &missing)); err != nil {
		t.Fatal(err)
	}
	if len(missing) != 1 || missing[0] != 999 {
		t.Errorf("missing %v, want [999]", missing)
	}
	st, err := s.Stats()
	if err != nil || st.Pending != 1 || st.Dead != 0 || st.Bytes != 40 {
		t.Errorf("stats %+v, %v; want the 40-byte record alone", st, err)
	}
	if _, err := s.Get(recs[1].ID); !errors.Is(err, ErrNotFound) {
		t.Errorf("dead record after its removal: %v", err)
	}
}
