package outbox

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"
)

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
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			now := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
			s := openTemp(t, Options{Now: func() time.Time { return now }})
			recs, err := s.Put(entry("i", 0, 3, `{"n":0}`), entry("i", 1, 3, `{"n":1}`), entry("i", 2, 3, `{"n":2}`))
			if err != nil {
				t.Fatal(err)
			}
			for _, r := range recs { // left pending by a run that failed to send them
				if err := s.MarkFailed(r.ID, 1, "down", now); err != nil {
					t.Fatal(err)
				}
			}
			var posted []int
			var p Poster = posterFunc(func(_ context.Context, _ string, chunk int, _ []byte) error {
				posted = append(posted, chunk)
				if chunk == 0 {
					return tt.first
				}
				return nil
			})
			if tt.ordered {
				p = inOrder{p.(posterFunc)}
			}
			rs := &Resender{Store: s, Client: func(string) (Poster, error) { return p, nil }}
			res, err := rs.Flush(context.Background())
			if err != nil || res != tt.want || !slices.Equal(posted, tt.posted) {
				t.Fatalf("flush: %+v %v, posted %v; want %+v, posted %v", res, err, posted, tt.want, tt.posted)
			}
			left, err := s.List()
			if err != nil || len(left) != tt.left {
				t.Fatalf("%d records left, want %d (%v)", len(left), tt.left, err)
			}
			// A body held back is due with its first, not before.
			for _, r := range left[min(1, len(left)):] {
				if tt.ordered && !r.NextAttempt.Equal(left[0].NextAttempt) {
					t.Errorf("chunk %d due at %v, its first at %v", r.ChunkIndex, r.NextAttempt, left[0].NextAttempt)
				}
			}
		})
	}
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
