package outbox

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

// TestFirstRequestSharesTheStartLine: a post of a stored body wrote the
// start line of its attempt (startAttempt), then, as its Poster made the
// first request a moment later (noteRequest), the same line again: two
// write(2)s a post where one says when the body went on the wire. The
// first request started within sameStart of the start line now writes
// none; one started later (a Poster that read the platform first, say),
// and each retry, writes its own, and the next opener, the process killed,
// counts the attempt from the last line written.
func TestFirstRequestSharesTheStartLine(t *testing.T) {
	t0 := time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		name  string
		steps []time.Duration // the clock's advance before each request
		lines int             // the start lines written
		from  time.Duration   // Interrupted, after t0
	}{
		{"the first request at once", []time.Duration{0}, 1, 0},
		{"the first request just within sameStart", []time.Duration{sameStart - time.Microsecond}, 1, 0},
		{"the first request after sameStart", []time.Duration{sameStart}, 2, sameStart},
		{"a retry after the first", []time.Duration{0, 3 * time.Second}, 2, 3 * time.Second},
		{"no request", nil, 1, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var mu sync.Mutex
			now := t0
			clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
			path := filepath.Join(t.TempDir(), "outbox.db")
			s := mustOpen(t, path, Options{Now: clock})
			rec := putComplete(t, s)
			mustNote(t, s.startAttempt(rec))
			for _, d := range tt.steps {
				mu.Lock()
				now = now.Add(d)
				mu.Unlock()
				mustNote(t, s.noteRequest(rec.ID))
			}
			raw, err := os.ReadFile(s.attemptsPath())
			if err != nil {
				t.Fatal(err)
			}
			if got := bytes.Count(raw, []byte("s ")); got != tt.lines {
				t.Errorf("start lines written: %d (%q), want %d", got, raw, tt.lines)
			}
			s.endAttempts(rec.ID)
			if err := s.Close(); err != nil {
				t.Fatal(err)
			}
			// The file as a process killed during the last request left it.
			pid, start := endedProcess(t)
			if err := os.WriteFile(fmt.Sprintf("%s.sending-%d-%d", path, pid, start), raw, 0o600); err != nil {
				t.Fatal(err)
			}
			r := reopenedRecord(t, path, rec.ID)
			if want := t0.Add(tt.from); r.Attempts != 1 || r.Unanswered != 1 || !r.Interrupted.Equal(want) {
				t.Errorf("recovered: %d attempts, %d unanswered, interrupted %s; want 1, 1, %s",
					r.Attempts, r.Unanswered, r.Interrupted, want)
			}
		})
	}
}
