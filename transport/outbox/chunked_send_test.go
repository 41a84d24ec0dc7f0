package outbox

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

// chunks returns n entries of one send, about 60 bytes each.
func chunks(n int) []Entry {
	out := make([]Entry, n)
	for i := range out {
		out[i] = entry("inj-big", i, n, fmt.Sprintf(`{"chunk_index":%d,"pad":"%s"}`, i, strings.Repeat("x", 32)))
	}
	return out
}

// deadOwner makes the record of send id that of a process that ended.
func deadOwner(t *testing.T, s *Store, id uint64) {
	t.Helper()
	pid, start := endedProcess(t)
	err := s.do(true, func(tx *bolt.Tx) error {
		in, ok, err := s.findSend(tx, id)
		if !ok || err != nil {
			return fmt.Errorf("no send record %d: %v", id, err)
		}
		in.Owner, in.OwnerStart = pid, start
		raw, _ := json.Marshal(in)
		return tx.Bucket(bucketSends).Put(key(id), raw)
	})
	if err != nil {
		t.Fatal(err)
	}
}

// A put of several transactions keeps a record of its send from its
// first commit to its last, in those commits: a process killed in
// between leaves it, and the send is known to have lost its last bodies.
func TestIncompleteSend(t *testing.T) {
	const n, txBytes = 9, 130 // 2 or 3 bodies a transaction
	tests := []struct {
		name     string
		failFrom int64 // the first commit that fails (0: none)
		failTo   int64 // the last one (0: all from failFrom)
		left     bool  // the record of the send stays
	}{
		{"stored", 0, 0, false},
		{"failed, removed again", 2, 2, false},
		{"failed, not removed (killed)", 2, 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := openTemp(t, Options{})
			var commits atomic.Int64
			s.hooks.fail = func() error {
				c := commits.Add(1)
				if tt.failFrom > 0 && c >= tt.failFrom && (tt.failTo == 0 || c <= tt.failTo) {
					return errors.New("no space left on device")
				}
				return nil
			}
			var seen []Incomplete
			stored := 0
			_, err := s.put(n, 0, slices.Values(chunks(n)), txBytes, func(recs []Record) {
				stored += len(recs)
				in, err := s.Incomplete()
				if err != nil || len(in) != map[bool]int{true: 1}[stored < n] {
					t.Errorf("after %d bodies stored: %+v %v", stored, in, err)
				}
				for _, in := range in {
					if in.Stored != stored {
						t.Errorf("after %d bodies stored, the record says %d", stored, in.Stored)
					}
					seen = append(seen, in)
				}
			}, &bufPool{}, false)
			if (err != nil) != (tt.failFrom > 0) {
				t.Fatalf("put: %v", err)
			}
			if len(seen) == 0 || seen[0].TotalChunks != n ||
				seen[0].InjectID != "inj-big" || seen[0].BaseURL != "https://127.0.0.1:8443/prefix" || !s.Storing(seen[0]) ||
				seen[0].URL != "https://127.0.0.1:8443/prefix/api/injects/inj-big/callback" {
				t.Fatalf("send record while storing: %+v", seen)
			}
			in, err := s.Incomplete()
			if err != nil || len(in) != map[bool]int{true: 1}[tt.left] {
				t.Fatalf("after the put: %+v %v", in, err)
			}
			if !tt.left {
				return
			}
			s.hooks.fail = nil
			if _, err := s.DropSend(in[0].ID); !errors.Is(err, ErrBusy) {
				t.Errorf("dropped the send record of a live process: %v", err)
			} else if n := strings.Count(err.Error(), s.Path()); n != 1 {
				t.Errorf("the refusal names the outbox %d times, want once: %v", n, err)
			}
			deadOwner(t, s, in[0].ID)
			if in, _ = s.Incomplete(); s.Storing(in[0]) || in[0].Stored != stored {
				t.Errorf("killed: %+v", in[0])
			}
			if _, err := s.DropSend(in[0].ID); err != nil {
				t.Fatal(err)
			}
			if in, _ := s.Incomplete(); len(in) != 0 {
				t.Errorf("dropped, still there: %+v", in)
			}
			if _, err := s.DropSend(in[0].ID); !errors.Is(err, ErrNotFound) {
				t.Errorf("dropped twice: %v", err)
			}
		})
	}
}

// inOrder is a posterFunc whose later bodies of a send follow the first.
type inOrder struct{ posterFunc }

func (inOrder) InOrder() bool { return true }

// The later bodies of an in-order send go only after its first: held back
// while it fails, sent after it when it is superseded (the backend may
// hold it already, its answer lost: dropping them would lose them); a poster that does not
// send in order sends each body alone, as before.
func TestFlushInOrder(t *testing.T) {
	errDown := errors.New("503")
	tests := []struct {
		name    string
		ordered bool
		first   error // the first body's answer
		want    FlushResult
		posted  []int // the chunks posted, in order
		left    int   // records left pending
	}{
		{"first delivered: the others follow", true, nil, FlushResult{Delivered: 3}, []int{0, 1, 2}, 0},
		{"first failing: the others held back", true, errDown, FlushResult{Failed: 3}, []int{0}, 3},
		{"first superseded: the others sent after it", true, fmt.Errorf("i: %w", ErrSuperseded), FlushResult{Superseded: 1, Delivered: 2}, []int{0, 1, 2}, 0},
		{"not in order: each body alone", false, errDown, FlushResult{Delivered: 2, Failed: 1}, []int{0, 1, 2}, 1},
	}
	// A pass reads the records a page at a time: a send's later bodies
	// follow its first read pages before them alike.
	for _, tt := range tests {
		for _, page := range []int{0, 1, 2} {
			t.Run(fmt.Sprintf("%s/page=%d", tt.name, page), func(t *testing.T) {
				flushInOrder(t, page, tt.ordered, tt.first, tt.want, tt.posted, tt.left)
			})
		}
	}
}

// flushInOrder flushes a send of three bodies left pending, the first
// answered first, through pages of page records (0: the default): want
// the result, posted the chunks posted in order, left the records left.
func flushInOrder(t *testing.T, page int, ordered bool, first error, want FlushResult, posted []int, left int) {
	t.Helper()
	now := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	s := openTemp(t, Options{Now: func() time.Time { return now }})
	s.hooks.page = page
	recs, err := s.Put(entry("i", 0, 3, `{"n":0}`), entry("i", 1, 3, `{"n":1}`), entry("i", 2, 3, `{"n":2}`))
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range recs { // left pending by a run that failed to send them
		if err := s.MarkFailed(r.ID, 1, "down", now); err != nil {
			t.Fatal(err)
		}
	}
	var got []int
	var p Poster = posterFunc(func(_ context.Context, _ string, chunk int, _ []byte) error {
		got = append(got, chunk)
		if chunk == 0 {
			return first
		}
		return nil
	})
	if ordered {
		p = inOrder{p.(posterFunc)}
	}
	rs := &Resender{Store: s, Client: func(string) (Poster, error) { return p, nil }}
	res, err := rs.Flush(context.Background())
	if err != nil || res != want || !slices.Equal(got, posted) {
		t.Fatalf("flush: %+v %v, posted %v; want %+v, posted %v", res, err, got, want, posted)
	}
	kept, err := s.List()
	if err != nil || len(kept) != left {
		t.Fatalf("%d records left, want %d (%v)", len(kept), left, err)
	}
	// A body held back is due with its first, not before.
	for _, r := range kept[min(1, len(kept)):] {
		if ordered && !r.NextAttempt.Equal(kept[0].NextAttempt) {
			t.Errorf("chunk %d due at %v, its first at %v", r.ChunkIndex, r.NextAttempt, kept[0].NextAttempt)
		}
	}
}

// firstChunks maps each later body of recs (chunk index > 0) whose first
// body is among them to that first body, as a pass reading them finds it
// (see chunkOrder).
func firstChunks(recs []Record) map[uint64]firstChunk {
	sorted := slices.Clone(recs)
	slices.SortFunc(sorted, func(a, b Record) int { return cmp.Compare(a.ID, b.ID) })
	order := chunkOrder{}
	firsts := map[uint64]firstChunk{}
	for i := range sorted {
		if first, ok := order.see(&sorted[i]); ok {
			firsts[sorted[i].ID] = first
		}
	}
	return firsts
}

// A later body belongs to the nearest first body stored before it, unless
// a body of a lower index lies between: a later send, its first gone.
func TestFirstChunks(t *testing.T) {
	rec := func(id uint64, inject string, chunk int) Record {
		return Record{ID: id, InjectID: inject, ChunkIndex: chunk, TotalChunks: 3, URL: "u"}
	}
	recs := []Record{
		rec(1, "i", 0), rec(2, "i", 1), rec(3, "i", 2), // a send
		rec(5, "i", 1), rec(6, "i", 2), // a later send, its first (4) delivered
		rec(8, "j", 1), rec(7, "j", 0), // listed out of order
		{ID: 9, InjectID: "k", TotalChunks: 1},
	}
	got := map[uint64]uint64{}
	for id, first := range firstChunks(recs) {
		got[id] = first.ID
	}
	want := map[uint64]uint64{2: 1, 3: 1, 8: 7}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("firsts %v, want %v", got, want)
	}
}
