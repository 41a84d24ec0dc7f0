package outbox

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// Close reports the delivered bodies whose removal failed only while the
// file still holds them: a failed put removes every body it stored, the
// delivered ones whose removal failed included, and Close then says
// nothing of them (it used to say they stayed pending, to be dropped by
// hand, while outbox list showed none).
func TestCloseReportsOnlyUnremovedBodiesLeft(t *testing.T) {
	errFull := errors.New("write outbox.db: no space left on device")
	for _, tc := range []struct {
		name      string
		removedBy []int // of the two bodies delivered, those a later removal took out
		want      []int // the bodies Close names
	}{
		{name: "none removed later", want: []int{0, 1}},
		{name: "one removed later", removedBy: []int{0}, want: []int{1}},
		{name: "both removed later", removedBy: []int{0, 1}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := openTemp(t, Options{})
			var full atomic.Bool
			s.SetCommitHooks(nil, nil, func() error {
				if full.Load() {
					return errFull
				}
				return nil
			})
			recs, err := s.Put(Entry{InjectID: "a", Phase: "p", BaseURL: "http://127.0.0.1:1", Body: []byte(`{"n":0}`)},
				Entry{InjectID: "a", Phase: "p", ChunkIndex: 1, TotalChunks: 2, BaseURL: "http://127.0.0.1:1", Body: []byte(`{"n":1}`)})
			if err != nil {
				t.Fatal(err)
			}
			full.Store(true) // the disk fills: the removal of the delivered bodies fails
			s.deleteLater([]removal{{id: recs[0].ID, size: recs[0].Size}, {id: recs[1].ID, size: recs[1].Size}})
			s.flushLazy()
			full.Store(false)
			for _, i := range tc.removedBy {
				if _, err := s.remove([]removal{{id: recs[i].ID, size: -1}}, false); err != nil {
					t.Fatal(err)
				}
			}
			left, err := s.List()
			if err != nil {
				t.Fatal(err)
			}
			err = s.Close()
			var want []uint64
			for _, i := range tc.want {
				want = append(want, recs[i].ID)
			}
			if len(left) != len(want) {
				t.Fatalf("the outbox holds %d bodies, want %d", len(left), len(want))
			}
			var ue *UnremovedError
			switch {
			case len(want) == 0 && err != nil:
				t.Fatalf("Close: %v, want nil: no delivered body is left in the outbox", err)
			case len(want) == 0:
			case !errors.As(err, &ue) || !slices.Equal(ue.IDs, want) || ue.N != len(want) || !errors.Is(err, errFull):
				t.Fatalf("Close: %v, want the bodies %v named", err, want)
			case len(want) == 1 && !strings.Contains(err.Error(), "drop it with: injectkit outbox drop "):
				t.Errorf("Close: %v, want the body and its drop command named", err)
			}
		})
	}
}

// Stats and Usage count the bodies whose removal is in flight out without
// decoding their records: a daemon asks Usage before each inject (its
// outbox room), while the removals of the bodies its other workers
// delivered wait for their commit.
func TestStatsDoesNotDecodeDeferredRemovals(t *testing.T) {
	const n = 64
	for _, tt := range []struct {
		name     string
		shared   bool
		deferred int
	}{
		{"held", false, n},
		{"shared", true, n},
		{"held, half", false, n / 2},
	} {
		t.Run(tt.name, func(t *testing.T) {
			s := openTemp(t, Options{Shared: tt.shared})
			armed, parked, gate := make(chan struct{}), make(chan struct{}), make(chan struct{})
			s.SetCommitHooks(func() {}, func(int) {
				select {
				case <-armed: // the deferred removals' commit waits, holding the file
					close(parked)
					<-gate
				default:
				}
			}, func() error { return nil })
			entries := make([]Entry, n)
			for i := range entries {
				entries[i] = entry(fmt.Sprintf("inj-%d", i), 0, 1, fmt.Sprintf(`{"i":%d}`, i))
			}
			recs, err := s.Put(entries...)
			if err != nil {
				t.Fatal(err)
			}
			before, err := s.Stats()
			if err != nil {
				t.Fatal(err)
			}
			// Measured as the Stats below will be: the file held open by
			// another user (the parked commit there; shared, each Stats
			// would open it otherwise), nothing else of the store running.
			if _, err := s.acquireWithin(time.Minute); err != nil {
				t.Fatal(err)
			}
			allocsBefore := testing.AllocsPerRun(20, func() { _, _ = s.Stats() })
			s.release()
			close(armed)
			var gone []removal
			var size int64
			for _, r := range recs[:tt.deferred] {
				gone = append(gone, removal{id: r.ID, size: r.Size})
				size += int64(r.Size)
			}
			s.deleteLater(gone) // held: in flight during the Stats below
			defer close(gate)
			// Its commit, started by a timer, has run its writes and waits:
			// none of its allocations fall in the measure below.
			<-parked
			st, err := s.Stats()
			want := Stats{Pending: before.Pending - tt.deferred, Bytes: before.Bytes - size}
			if err != nil || st != want {
				t.Fatalf("Stats = %+v, %v; want %+v", st, err, want)
			}
			if u, err := s.Usage(); err != nil || u != (Usage{Bytes: want.Bytes}) {
				t.Fatalf("Usage = %+v, %v; want the bytes of Stats, %d", u, err, want.Bytes)
			}
			allocs := testing.AllocsPerRun(20, func() { _, _ = s.Stats() })
			if extra := allocs - allocsBefore; extra >= float64(tt.deferred)/2 {
				t.Errorf("Stats with %d removals in flight: %.0f allocations, %.0f more than with none: their records were decoded",
					tt.deferred, allocs, extra)
			}
		})
	}
}
