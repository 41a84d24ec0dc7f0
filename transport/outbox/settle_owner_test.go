package outbox

import (
	"context"
	"errors"
	"testing"
	"time"
)

// A failure Settle records on a body another live process took over once
// this one's lease ended (a flush's, a retry-dead's) leaves that process's
// claim and the record's state alone: it clears only its own claim. A
// passing failure of its own body leaves it pending; a permanent rejection
// moves it to the dead list, but one of a body taken over meanwhile leaves
// that body pending (Failed: it is still in the outbox, that process's to
// settle).
func TestSettleClearsOnlyItsOwnClaim(t *testing.T) {
	other := liveProcess(t)
	tests := []struct {
		name  string
		post  error
		other int // the process that took it over, 0 none: still this one's
		want  Outcome
		state State // of a record still this process's, after Settle
	}{
		{"failed, still this process's", errors.New("status 503"), 0, Failed, Pending},
		{"failed, taken over by a live process", errors.New("status 503"), other, Failed, Pending},
		{"rejected, still this process's", &otherProfileError{permanent: true}, 0, Rejected, Dead},
		{"rejected, taken over by a live process", &otherProfileError{permanent: true}, other, Failed, Pending},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, now, rec := putLeased(t)
			lease := now.Add(time.Minute)
			before := takeOver(t, s, rec.ID, tt.other, lease)
			out, err := s.Settle(context.Background(), rec, tt.post, 0)
			if out != tt.want || !errors.Is(err, tt.post) || err.Error() != tt.post.Error() {
				t.Fatalf("Settle = %v, %v; want %v with the post's error alone (%q)", out, err, tt.want, tt.post)
			}
			after, err := s.Get(rec.ID)
			if err != nil {
				t.Fatal(err)
			}
			if tt.other != 0 {
				if after.State != Pending || after.Owner != tt.other || !after.LeaseUntil.Equal(lease) || after.Attempts != before.Attempts || after.LastError != before.LastError {
					t.Errorf("record after Settle: %v, owner %d until %s, %d attempts, %q; want pending, pid %d's claim and its state kept (%d attempts, %q)",
						after.State, after.Owner, after.LeaseUntil, after.Attempts, after.LastError, tt.other, before.Attempts, before.LastError)
				}
				return
			}
			if after.State != tt.state || after.Owner != 0 || after.Attempts != before.Attempts+1 || after.LastError != tt.post.Error() {
				t.Errorf("record after Settle: %v, owner %d, %d attempts, %q; want %v, free, %d attempts, %q",
					after.State, after.Owner, after.Attempts, after.LastError, tt.state, before.Attempts+1, tt.post)
			}
		})
	}
}

// The bodies a failed send holds back with its failed chunk (markWaiting)
// are freed only while they are still this process's: one another live
// process took over meanwhile keeps that process's claim and its state,
// and is counted as kept (it is still pending in the outbox).
func TestHoldBackClearsOnlyItsOwnClaims(t *testing.T) {
	other := liveProcess(t)
	tests := []struct {
		name  string
		other int // the process that took chunk 1 over, 0 none: still this one's
	}{
		{"still this process's", 0},
		{"taken over by a live process", other},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			now := time.Now()
			s := openTemp(t, Options{Now: func() time.Time { return now }})
			recs, err := s.Put(entry("inj", 1, 3, "{}"), entry("inj", 2, 3, "{}"))
			if err != nil {
				t.Fatal(err)
			}
			lease := now.Add(time.Minute)
			taken := takeOver(t, s, recs[0].ID, tt.other, lease)
			const msg = "not sent: chunk 0 of the same send failed"
			next := now.Add(5 * time.Second)
			kept, err := s.markWaiting([]uint64{recs[0].ID, recs[1].ID}, msg, next)
			if kept != 2 || err != nil {
				t.Fatalf("markWaiting = %d, %v; want both kept", kept, err)
			}
			for i, rec := range recs {
				after, err := s.Get(rec.ID)
				if err != nil {
					t.Fatal(err)
				}
				if i == 0 && tt.other != 0 {
					if after.Owner != tt.other || !after.LeaseUntil.Equal(lease) || after.LastError != taken.LastError || !after.NextAttempt.Equal(taken.NextAttempt) {
						t.Errorf("chunk 1 after markWaiting: owner %d until %s, %q due %s; want pid %d's claim and its state kept (%q due %s)",
							after.Owner, after.LeaseUntil, after.LastError, after.NextAttempt, tt.other, taken.LastError, taken.NextAttempt)
					}
					continue
				}
				if after.State != Pending || after.Owner != 0 || after.LastError != msg || !after.NextAttempt.Equal(next) {
					t.Errorf("chunk %d after markWaiting: %v, owner %d, %q due %s; want pending, free, %q due %s",
						rec.ChunkIndex, after.State, after.Owner, after.LastError, after.NextAttempt, msg, next)
				}
			}
		})
	}
}

// takeOver gives record id to process pid, leased until lease, as that
// process's claim would (pid 0: left as it is, this process's), and
// returns the record as it then is.
func takeOver(t *testing.T, s *Store, id uint64, pid int, lease time.Time) Record {
	t.Helper()
	r, err := s.update(id, func(r *Record) error {
		if pid != 0 {
			r.Owner, r.OwnerStart, r.LeaseUntil = pid, processStart(pid), lease
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return r
}
