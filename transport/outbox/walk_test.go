package outbox_test

import (
	"context"
	"errors"
	"path/filepath"
	"slices"
	"testing"

	"github.com/injectkit/injectkit/transport/outbox"
)

// walkStore stores n bodies for each of the backends, dead the ids in
// dead, in a new outbox walked and dropped from a page of page records.
func walkStore(t *testing.T, page int, backends []string, n int, dead ...int) (*outbox.Store, []outbox.Record) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "outbox.db")
	s, err := outbox.Open(path, outbox.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var recs []outbox.Record
	for i := range n {
		for _, b := range backends {
			got, err := s.Put(outbox.Entry{InjectID: b + "-" + string(rune('a'+i)), Phase: "p", TotalChunks: 1, BaseURL: b, Body: []byte(`{}`)})
			if err != nil {
				t.Fatal(err)
			}
			recs = append(recs, got...)
		}
	}
	for _, i := range dead {
		if err := s.MoveToDead(recs[i].ID, 1, 422, "no", "status 422"); err != nil {
			t.Fatal(err)
		}
	}
	// The store that put them claims them, as a run posting them: another
	// one walks and drops them.
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if s, err = outbox.Open(path, outbox.Options{}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	s.SetWalkPage(page)
	return s, recs
}

// Walk hands over every record List lists, in its order, a page at a
// time, and stops where its fn asks.
func TestWalk(t *testing.T) {
	tests := []struct {
		name       string
		page, n    int
		dead       []int
		stopAfter  int // 0: walk to the end
		wantWalked int
	}{
		{"one page", 100, 5, nil, 0, 10},
		{"pages of three", 3, 5, []int{1, 4}, 0, 10},
		{"a page to a record", 1, 4, []int{0}, 0, 8},
		{"pages ending at the bucket's end", 5, 5, nil, 0, 10},
		{"stopped", 3, 5, []int{2}, 4, 4},
		{"empty", 3, 0, nil, 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, _ := walkStore(t, tt.page, []string{"http://127.0.0.1:1", "http://127.0.0.1:2"}, tt.n, tt.dead...)
			listed, err := s.List()
			if err != nil {
				t.Fatal(err)
			}
			var walked []outbox.Record
			err = s.Walk(context.Background(), func(r outbox.Record) error {
				walked = append(walked, r)
				if len(walked) == tt.stopAfter {
					return outbox.ErrStopWalk
				}
				return nil
			})
			if err != nil || len(walked) != tt.wantWalked {
				t.Fatalf("walked %d records, %v; want %d", len(walked), err, tt.wantWalked)
			}
			for i, r := range walked {
				if r.ID != listed[i].ID || r.State != listed[i].State || r.BaseURL != listed[i].BaseURL {
					t.Errorf("record %d walked: %d %s %s, listed %d %s %s", i, r.ID, r.State, r.BaseURL, listed[i].ID, listed[i].State, listed[i].BaseURL)
				}
			}
		})
	}
	s, _ := walkStore(t, 2, []string{"http://127.0.0.1:1"}, 5)
	boom := errors.New("boom")
	if err := s.Walk(context.Background(), func(outbox.Record) error { return boom }); !errors.Is(err, boom) {
		t.Errorf("an error of fn: Walk returned %v", err)
	}
}

// DropWhere removes the records its rule picks, pending and dead, page by
// page, but one a delivery owns, which it counts and leaves.
func TestDropWhere(t *testing.T) {
	const a, b = "http://127.0.0.1:1", "http://127.0.0.1:2"
	tests := []struct {
		name    string
		page    int
		pick    func(outbox.Record) bool
		claimed bool // the first record of a is being sent
		want    outbox.DropResult
		left    int
	}{
		{"a backend", 2, func(r outbox.Record) bool { return r.BaseURL == a }, false, outbox.DropResult{Pending: 4, Dead: 1, Bytes: 10}, 5},
		{"nothing", 2, func(outbox.Record) bool { return false }, false, outbox.DropResult{}, 10},
		{"everything", 3, func(outbox.Record) bool { return true }, false, outbox.DropResult{Pending: 8, Dead: 2, Bytes: 20}, 0},
		{"one being sent", 2, func(r outbox.Record) bool { return r.BaseURL == a }, true, outbox.DropResult{Pending: 3, Dead: 1, Bytes: 8, Busy: 1}, 6},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, recs := walkStore(t, tt.page, []string{a, b}, 5, 2, 3) // recs[2] is a's, recs[3] b's
			if tt.claimed {
				if _, ok, err := s.Claim(recs[0].ID); !ok || err != nil {
					t.Fatalf("claim: %v %v", ok, err)
				}
				tt.want.Owner = recs[0].Owner
			}
			got, err := s.DropWhere(context.Background(), tt.pick)
			if tt.claimed {
				tt.want.Owner = got.Owner // this process: its pid
			}
			if err != nil || got != tt.want {
				t.Errorf("DropWhere: %+v, %v; want %+v", got, err, tt.want)
			}
			listed, err := s.List()
			if err != nil || len(listed) != tt.left || slices.ContainsFunc(listed, func(r outbox.Record) bool { return tt.pick(r) && r.ID != recs[0].ID }) {
				t.Errorf("left %d records (%v), want %d, none picked but the one being sent", len(listed), err, tt.left)
			}
		})
	}
	s, _ := walkStore(t, 2, []string{a}, 4)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if got, err := s.DropWhere(ctx, func(outbox.Record) bool { return true }); !errors.Is(err, context.Canceled) || got.Dropped() != 0 {
		t.Errorf("DropWhere with its context ended: %+v, %v", got, err)
	}
}

// A walk whose context ends stops between two records, within a page as
// between pages, and returns an error wrapping the context's.
func TestWalkContextEnded(t *testing.T) {
	tests := []struct {
		name       string
		page, stop int
	}{
		{"within a page", 100, 3},
		{"between pages", 2, 2},
		{"before the first", 100, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, _ := walkStore(t, tt.page, []string{"http://127.0.0.1:1"}, 8)
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			if tt.stop == 0 {
				cancel()
			}
			walked := 0
			err := s.Walk(ctx, func(outbox.Record) error {
				if walked++; walked == tt.stop {
					cancel()
				}
				return nil
			})
			if !errors.Is(err, context.Canceled) {
				t.Fatalf("error = %v, want the context's", err)
			}
			if walked != tt.stop {
				t.Errorf("walked %d, want %d", walked, tt.stop)
			}
		})
	}
}
