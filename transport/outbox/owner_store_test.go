package outbox

import (
	"errors"
	"path/filepath"
	"testing"
	"time"
)

// A record another Store of this process claimed (Put leaves a body its
// Store's, to send) is that Store's while it is open and its lease runs:
// a second Store on the file neither claims nor drops it. Past its lease,
// once its Store closed, or once its process ended, the second Store
// takes it, as it takes another process's.
func TestClaimOfAnotherStoreOfThisProcess(t *testing.T) {
	ended, endedStart := endedProcess(t)
	tests := []struct {
		name  string
		after func(t *testing.T, first *Store, id uint64) // once first put the record
		late  bool                                        // the second Store's clock is past the first's lease
		taken bool                                        // the second Store may claim and drop it
	}{
		{"the other Store open, its lease running", nil, false, false},
		{"the other Store open, its lease ended", nil, true, true},
		{"the other Store closed", func(t *testing.T, first *Store, _ uint64) {
			if err := first.Close(); err != nil {
				t.Fatal(err)
			}
		}, false, true},
		{"its process ended", func(t *testing.T, first *Store, id uint64) {
			if _, err := first.update(id, func(r *Record) error { r.Owner, r.OwnerStart = ended, endedStart; return nil }); err != nil {
				t.Fatal(err)
			}
		}, false, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "outbox.db")
			first := mustOpen(t, path, Options{Shared: true})
			t.Cleanup(func() { _ = first.Close() })
			recs, err := first.Put(entry("inj", 0, 1, "{}"))
			if err != nil {
				t.Fatal(err)
			}
			id := recs[0].ID
			if tt.after != nil {
				tt.after(t, first, id)
			}
			now := time.Now()
			if tt.late {
				now = recs[0].LeaseUntil.Add(time.Second)
			}
			second := mustOpen(t, path, Options{Shared: true, Now: func() time.Time { return now }})
			t.Cleanup(func() { _ = second.Close() })
			stored, err := second.Get(id)
			if err != nil {
				t.Fatal(err)
			}
			if busy := second.Busy(stored); busy == tt.taken {
				t.Errorf("Busy = %v, want %v", busy, !tt.taken)
			}
			r, ok, err := second.Claim(id)
			if err != nil || ok != tt.taken {
				t.Fatalf("Claim = %v, %v; want %v", ok, err, tt.taken)
			}
			if !tt.taken {
				var be *BusyError
				if _, err := second.Drop(id); !errors.As(err, &be) || be.ID != id {
					t.Errorf("Drop = %v, want a *BusyError of %d", err, id)
				}
				return
			}
			if !second.mine(r) || first.mine(r) {
				t.Errorf("claimed record owned by pid %d (store %q); want the second Store's alone (%q), not the first's (%q)",
					r.Owner, r.ownerStore, second.nonce, first.nonce)
			}
		})
	}
}
