package outbox

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/injectkit/injectkit/internal/httpx"
)

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
			s, _, rec := putLeased(t)
			ie := &httpx.InterruptedError{Err: context.Canceled, Attempts: 2, Waiting: tt.waiting, Connected: !tt.waiting,
				Last: &httpx.HTTPError{Op: "data", Attempts: 1, Unanswered: 1}}
			if last := s.NoteInterrupted(rec, nil, ie); last == nil {
				t.Fatal("NoteInterrupted = nil, want the last failure")
			}
			after, err := s.Get(rec.ID)
			if err != nil {
				t.Fatal(err)
			}
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
