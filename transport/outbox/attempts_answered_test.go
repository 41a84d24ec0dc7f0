package outbox

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

// TestAnsweredAttemptCountsAsAnswered: a process killed in the wait
// before a retry, each request of its attempt answered that the backend
// did not take the body (a 503 of the server's own, noteAnswer), leaves
// an attempt the next opener counts as answered: its status, no
// unanswered attempt, no Interrupted time (nothing held back), counted
// once. Killed while a request is on the wire, or after a request that
// got no answer (a 504: no answer noted, the next request started),
// the attempt is one the backend may hold, as before.
func TestAnsweredAttemptCountsAsAnswered(t *testing.T) {
	tests := []struct {
		name       string
		steps      func(s *Store, id uint64)
		answered   int // the status counted; 0: unanswered
		unanswered int
	}{
		{"killed in the wait after a 503", func(s *Store, id uint64) {
			mustNote(t, s.noteRequest(id))
			s.noteAnswer(id, 503)
		}, 503, 0},
		{"two 503s, killed in the second wait", func(s *Store, id uint64) {
			mustNote(t, s.noteRequest(id))
			s.noteAnswer(id, 503)
			mustNote(t, s.noteRequest(id))
			s.noteAnswer(id, 429)
		}, 429, 0},
		{"killed with the retry on the wire", func(s *Store, id uint64) {
			mustNote(t, s.noteRequest(id))
			s.noteAnswer(id, 503)
			mustNote(t, s.noteRequest(id))
		}, 0, 1},
		{"a request without an answer before the 503", func(s *Store, id uint64) {
			mustNote(t, s.noteRequest(id)) // a 504: the server may hold it
			mustNote(t, s.noteRequest(id))
			s.noteAnswer(id, 503)
		}, 0, 1},
		{"killed before the first request", func(*Store, uint64) {}, 0, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "outbox.db")
			s := mustOpen(t, path, Options{})
			rec := putComplete(t, s)
			id := rec.ID
			mustNote(t, s.startAttempt(rec))
			tt.steps(s, id)
			raw, err := os.ReadFile(s.attemptsPath())
			if err != nil {
				t.Fatal(err)
			}
			got := parseAttempts(raw, 0)
			if len(got) != 1 || got[0].answered != tt.answered {
				t.Fatalf("parsed %+v from %q, want one attempt answered %d", got, raw, tt.answered)
			}
			s.endAttempts(id)
			if err := s.Close(); err != nil {
				t.Fatal(err)
			}
			// The file as the killed process left it.
			pid, start := endedProcess(t)
			if err := os.WriteFile(fmt.Sprintf("%s.sending-%d-%d", path, pid, start), raw, 0o600); err != nil {
				t.Fatal(err)
			}
			r := reopenedRecord(t, path, id)
			if r.Attempts != 1 || r.Unanswered != tt.unanswered || r.Interrupted.IsZero() != (tt.answered != 0) ||
				r.LastStatus != tt.answered {
				t.Errorf("recovered: %d attempts, %d unanswered, interrupted %v, last status %d (%s); want 1, %d, set %v, %d",
					r.Attempts, r.Unanswered, r.Interrupted, r.LastStatus, r.LastError, tt.unanswered, tt.answered == 0, tt.answered)
			}
			// Counted once: a recovery whose removal of the file did not
			// happen counts nothing again.
			again := r
			if s.countInterrupted(&again, interruptedAttempt{id: id, pid: pid, at: got[0].at, answered: got[0].answered}) {
				t.Errorf("counted twice: %+v", again)
			}
		})
	}
}

func mustNote(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
