package outbox

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// An outbox opened read-only (outbox list) writes nothing, so the attempt
// in flight of a process killed while it sent a body (its file of
// attempts left beside the outbox) was not counted: list showed the
// body's attempts and last error as before that attempt, "due", while
// the backend may hold it, and the next flush counted it (tester t127).
// List now shows the record as the next command that writes will count
// it, still writing nothing: the file stays for that command, which
// counts the attempt once.
func TestReadOnlyListShowsTheAttemptOfAnEndedProcess(t *testing.T) {
	path := filepath.Join(t.TempDir(), "outbox.db")
	s := mustOpen(t, path, Options{})
	id := putComplete(t, s).ID
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	pid, start := endedProcess(t)
	at := time.Date(2026, 12, 4, 18, 0, 0, 0, time.UTC)
	killed := fmt.Sprintf("%s.sending-%d-%d-ABCDEFGH", path, pid, start)
	if err := os.WriteFile(killed, fmt.Appendf(nil, "s %d %d\n", id, at.UnixNano()), 0o600); err != nil {
		t.Fatal(err)
	}
	want := fmt.Sprintf("attempt started at %s by pid %d, which ended before its outcome was recorded", at.Format(time.RFC3339Nano), pid)

	ro, err := Open(path, Options{Shared: true, ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	listed, err := ro.List()
	if cerr := ro.Close(); err == nil {
		err = cerr
	}
	if err != nil || len(listed) != 1 {
		t.Fatalf("list: %v, %v", listed, err)
	}
	if r := listed[0]; r.Attempts != 1 || r.Unanswered != 1 || !r.Interrupted.Equal(at) || !strings.Contains(r.LastError, want) {
		t.Errorf("listed %d attempts (%d unanswered), interrupted %v, last error %q; want 1 (1), %v, %q", r.Attempts, r.Unanswered, r.Interrupted, r.LastError, at, want)
	}
	if _, err := os.Stat(killed); err != nil {
		t.Errorf("the read-only list touched the file of attempts: %v", err)
	}

	if r := reopenedRecord(t, path, id); r.Attempts != 1 || r.Unanswered != 1 || !strings.Contains(r.LastError, want) {
		t.Errorf("counted by the next opener: %d attempts (%d unanswered), last error %q; want 1 (1), %q", r.Attempts, r.Unanswered, r.LastError, want)
	}
}
