package outbox

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
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
			first, rec := sharedWithOne(t)
			id := rec.ID
			if tt.after != nil {
				tt.after(t, first, id)
			}
			now := time.Now()
			if tt.late {
				now = rec.LeaseUntil.Add(time.Second)
			}
			second := mustOpen(t, first.Path(), Options{Shared: true, Now: func() time.Time { return now }})
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

// A *BusyError (and a *NotDeadError) names the owner of a record being
// sent as the operator can act on it: another process by its pid, as it
// always did; another Store of this process as such, not as "pid N" where
// N is this very process, which reads as a process to wait for or kill.
func TestBusyErrorNamesItsOwner(t *testing.T) {
	live := liveProcess(t)
	tests := []struct {
		name  string
		owner func(t *testing.T, first *Store, id uint64) *Store // the Store that drops
		want  BusyError                                          // Owner -1: this process's pid
		says  string
	}{
		{"another Store of this process", func(t *testing.T, first *Store, _ uint64) *Store {
			return mustOpen(t, first.Path(), Options{Shared: true})
		}, BusyError{Owner: -1, OtherStore: true},
			"being sent by another Store of this process (pid %d) open on the same outbox; not dropped (drop it once that Store has closed"},
		{"another process", func(t *testing.T, first *Store, id uint64) *Store {
			if _, err := first.update(id, func(r *Record) error {
				r.Owner, r.OwnerStart, r.ownerStore = live, processStart(live), ""
				return nil
			}); err != nil {
				t.Fatal(err)
			}
			return first
		}, BusyError{Owner: 0}, // set to live below
			"being sent by pid %d; not dropped (drop it once that process has ended)"},
		{"this Store", func(*testing.T, *Store, uint64) *Store { return nil },
			BusyError{}, "being sent by this process; not dropped"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			first, rec := sharedWithOne(t)
			id := rec.ID
			dropper := tt.owner(t, first, id)
			if dropper == nil {
				dropper = first
			} else if dropper != first {
				t.Cleanup(func() { _ = dropper.Close() })
			}
			want, says := tt.want, tt.says
			switch {
			case want.Owner == -1:
				want.Owner = os.Getpid()
				says = fmt.Sprintf(says, want.Owner)
			case tt.name == "another process":
				want.Owner = live
				says = fmt.Sprintf(says, live)
			}
			_, err := dropper.Drop(id)
			var be *BusyError
			if !errors.As(err, &be) || be.Owner != want.Owner || be.OtherStore != want.OtherStore {
				t.Fatalf("Drop = %#v, want a *BusyError of owner %d (another Store: %v)", err, want.Owner, want.OtherStore)
			}
			if !strings.Contains(err.Error(), says) {
				t.Errorf("Drop = %q, want it to say %q", err, says)
			}
			if want.OtherStore {
				// A RetryDead of it, pending already, names it alike.
				var nd *NotDeadError
				if _, err := dropper.RetryDead(id); !errors.As(err, &nd) || !nd.OtherStore || nd.Owner != want.Owner ||
					!strings.Contains(err.Error(), fmt.Sprintf("being sent by another Store of this process (pid %d)", want.Owner)) {
					t.Errorf("RetryDead = %v, want a *NotDeadError naming another Store of this process", err)
				}
			}
		})
	}
}

// sharedWithOne opens a shared outbox in a new directory, closed at the
// test's end, and puts one body in it: the Store and the record put, its
// Store's to send.
func sharedWithOne(t *testing.T) (*Store, Record) {
	t.Helper()
	first := mustOpen(t, filepath.Join(t.TempDir(), "outbox.db"), Options{Shared: true})
	t.Cleanup(func() { _ = first.Close() })
	recs, err := first.Put(entry("inj", 0, 1, "{}"))
	if err != nil {
		t.Fatal(err)
	}
	return first, recs[0]
}
