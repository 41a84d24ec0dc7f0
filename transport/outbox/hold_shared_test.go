package outbox

import (
	"errors"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"
)

// TestHold checks that operations made while a caller holds a shared file
// (serve's room check and start record of an inject) share one opening of
// it, that the file is let go of once the hold is released (another
// process takes its lock at once), and that a file another process holds
// is not waited for: the hold fails at once, and the operations wait for
// the file as they would have.
func TestHold(t *testing.T) {
	tests := []struct {
		name       string
		held       bool // another process holds the file
		wantOpens  int64
		wantLocked bool
	}{
		{name: "closed file", wantOpens: 1},
		{name: "held by another process", held: true, wantLocked: true, wantOpens: 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "outbox.db")
			s := mustOpen(t, path, Options{Shared: true, Timeout: time.Hour}) // waiting would hang the test
			defer s.Close()
			var opens atomic.Int64
			s.SetOpenedHook(func() { opens.Add(1) })
			var other *Store
			if tt.held {
				other = mustOpen(t, path, Options{}) // not shared: holds the file until closed
			}
			release, err := s.Hold()
			if got := errors.Is(err, ErrLocked); got != tt.wantLocked {
				t.Fatalf("Hold = %v, want locked %v", err, tt.wantLocked)
			}
			if other != nil {
				if err := other.Close(); err != nil {
					t.Fatal(err)
				}
			}
			if _, err := s.Usage(); err != nil {
				t.Fatal(err)
			}
			run, _, err := s.StartRun("i-1", 0)
			if err != nil || run == nil {
				t.Fatalf("StartRun = %v, %v", run, err)
			}
			release()
			release() // a second call does nothing
			if got := opens.Load(); got != tt.wantOpens {
				t.Errorf("the file was opened %d times, want %d", got, tt.wantOpens)
			}
			// Let go of: another process takes the lock without waiting.
			o, err := Open(path, Options{})
			if err != nil {
				t.Fatalf("the file is still held after release: %v", err)
			}
			_ = o.Close()
			run.End()
		})
	}
}
