package outbox

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/injectkit/injectkit/internal/httpx"
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

// NoteInterrupted comes after Send settled the record and let go of it: a
// Resender of another live process that claimed it meanwhile keeps its
// claim, and the record its state, while one that is free, or whose owner
// ended, gets the attempt cut short.
func TestNoteInterruptedLeavesAnotherOwnersClaim(t *testing.T) {
	live := liveProcess(t)
	ended, endedStart := endedProcess(t)
	tests := []struct {
		name  string
		owner int    // the process that claimed it after Send, 0 none
		start uint64 // its start time
		noted bool
	}{
		{"claimed by a live process", live, processStart(live), false},
		{"not claimed", 0, 0, true},
		{"claimed by a process that ended", ended, endedStart, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, now, rec := putLeased(t)
			// Send settled it: failed, no longer this process's.
			if err := s.MarkFailed(rec.ID, 1, "status 503", now); err != nil {
				t.Fatal(err)
			}
			lease := now.Add(time.Minute)
			before, err := s.update(rec.ID, func(r *Record) error {
				if tt.owner != 0 {
					r.Owner, r.OwnerStart, r.LeaseUntil = tt.owner, tt.start, lease
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			last := s.NoteInterrupted(rec, nil, &httpx.InterruptedError{Err: context.Canceled, Attempts: 1})
			if last == nil || !strings.Contains(last.Error(), "cut short") {
				t.Errorf("NoteInterrupted = %v, want the attempt cut short", last)
			}
			after, err := s.Get(rec.ID)
			if err != nil {
				t.Fatal(err)
			}
			if !tt.noted {
				if after.Owner != tt.owner || !after.LeaseUntil.Equal(lease) || after.Attempts != before.Attempts || after.LastError != before.LastError {
					t.Errorf("record after NoteInterrupted: owner %d until %s, %d attempts, %q; want the claim of pid %d and its state kept (%d attempts, %q)",
						after.Owner, after.LeaseUntil, after.Attempts, after.LastError, tt.owner, before.Attempts, before.LastError)
				}
				return
			}
			if after.Owner != 0 || after.Attempts != before.Attempts+1 || !strings.Contains(after.LastError, "cut short") {
				t.Errorf("record after NoteInterrupted: owner %d, %d attempts, %q; want free, %d attempts, the attempt cut short",
					after.Owner, after.Attempts, after.LastError, before.Attempts+1)
			}
		})
	}
}

// An interrupted send keeps, with its attempts, those that got no answer
// once sent: the last failure's count, and the one cut short in flight
// (the backend may have received it); none for a wait cut short.
func TestNoteInterruptedCountsUnanswered(t *testing.T) {
	tests := []struct {
		name    string
		waiting bool
		want    int
	}{
		{"cut short in flight", false, 2},
		{"cut short while waiting", true, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			after := interruptedRecord(t, &httpx.InterruptedError{Err: context.Canceled, Attempts: 2, Waiting: tt.waiting,
				Connected: !tt.waiting, Last: &httpx.HTTPError{Op: "data", Attempts: 1, Unanswered: 1}})
			if after.Attempts != 2 || after.Unanswered != tt.want {
				t.Errorf("record after NoteInterrupted: %d attempts, %d unanswered; want 2, %d", after.Attempts, after.Unanswered, tt.want)
			}
		})
	}
}

// A send held back before any request of its own (the platform's
// ingestion window: an *httpx.NotYetError; or stopped while so held, an
// *httpx.InterruptedError with no failure of its own) keeps the body's
// last answer, the platform's 504, and counts no request; one held back
// after a request of its own records that request and its answer.
func TestHeldBackKeepsTheLastAnswer(t *testing.T) {
	const was = "complete failed after 1 attempt: status 504"
	notYet := errors.New("not sent again: within the platform's ingestion window")
	tests := []struct {
		name       string
		earlier    bool // the record holds the 504 of an earlier send
		err        error
		interrupt  bool // NoteInterrupted, not Settle
		attempts   int
		unanswered int
		lastError  string
		status     int
	}{
		{"held back", true, &httpx.NotYetError{Err: notYet}, false, 1, 1, was, 504},
		{"stopped while held back", true, &httpx.InterruptedError{Err: context.Canceled, Attempts: 1, Waiting: true}, true, 2, 1, was, 504},
		{"held back after its own 504", false, &httpx.NotYetError{Err: notYet,
			Last: &httpx.HTTPError{Op: "complete", Status: 504, Attempts: 1, Unanswered: 1, Exhausted: true}}, false, 1, 1, "status 504", 504},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, _, rec := putLeased(t)
			if tt.earlier {
				if _, err := s.update(rec.ID, func(r *Record) error {
					r.Attempts, r.Unanswered, r.LastError, r.LastStatus = 1, 1, was, 504
					return nil
				}); err != nil {
					t.Fatal(err)
				}
			}
			rec, err := s.Get(rec.ID)
			if err != nil {
				t.Fatal(err)
			}
			if tt.interrupt {
				_ = s.NoteInterrupted(rec, nil, tt.err)
			} else if out, _ := s.Settle(context.Background(), rec, tt.err, 0); out != Failed {
				t.Fatalf("Settle = %v, want Failed", out)
			}
			after, err := s.Get(rec.ID)
			if err != nil {
				t.Fatal(err)
			}
			if after.Attempts != tt.attempts || after.Unanswered != tt.unanswered || !strings.Contains(after.LastError, tt.lastError) ||
				after.LastStatus != tt.status {
				t.Errorf("record: %d attempts, %d unanswered, last %d %q; want %d, %d, %d and %q", after.Attempts, after.Unanswered,
					after.LastStatus, after.LastError, tt.attempts, tt.unanswered, tt.status, tt.lastError)
			}
		})
	}
}
