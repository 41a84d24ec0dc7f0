package outbox

import (
	"fmt"
	"testing"
)

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
			armed, gate := make(chan struct{}), make(chan struct{})
			s.SetCommitHooks(func() {}, func(int) {
				select {
				case <-armed: // the deferred removals' commit waits
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
			allocsBefore := testing.AllocsPerRun(20, func() { _, _ = s.Stats() })
			close(armed)
			var gone []removal
			var size int64
			for _, r := range recs[:tt.deferred] {
				gone = append(gone, removal{id: r.ID, size: r.Size})
				size += int64(r.Size)
			}
			s.deleteLater(gone) // held: in flight during the Stats below
			defer close(gate)
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
