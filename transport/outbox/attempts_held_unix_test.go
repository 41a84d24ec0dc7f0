//go:build unix

package outbox

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// An ended process's file of attempts that cannot be read is kept, the
// caller told once, and the bodies that process still owned are held as
// after an attempt that got no answer (started at the file's last
// change), not taken as fresh and resent at once; a body it did not own
// stays fresh.
func TestUnreadableAttemptsFileHeld(t *testing.T) {
	tests := []struct {
		name   string
		spoil  func(t *testing.T, name string) // makes the file unreadable
		asRoot bool                            // spoil works as root
	}{
		{"a second name", func(t *testing.T, name string) {
			if err := os.Link(name, filepath.Join(filepath.Dir(name), "second-name")); err != nil {
				t.Skip("no hard links here:", err)
			}
		}, true},
		{"no read permission", func(t *testing.T, name string) {
			if err := os.Chmod(name, 0o200); err != nil {
				t.Fatal(err)
			}
		}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if !tt.asRoot && os.Geteuid() == 0 {
				t.Skip("root reads any file")
			}
			path := filepath.Join(t.TempDir(), "outbox.db")
			s := mustOpen(t, path, Options{})
			recs, err := s.Put(entry("owned", 0, 1, "{}"), entry("fresh", 0, 1, "{}"))
			if err != nil {
				t.Fatal(err)
			}
			name := leftByEnded(t, s, recs[0].ID)
			changed := time.Now().Add(-time.Minute).Truncate(time.Second)
			if err := os.Chtimes(name, changed, changed); err != nil {
				t.Fatal(err)
			}
			tt.spoil(t, name)
			s, g := nextPass(t, path)
			owned, err := s.Get(recs[0].ID)
			if err != nil {
				t.Fatal(err)
			}
			if owned.Attempts != 1 || owned.Unanswered != 1 || !owned.Interrupted.Equal(changed) || owned.Owner != 0 ||
				!strings.Contains(owned.LastError, name+" cannot be read") {
				t.Errorf("the body the process owned: %d attempts, %d unanswered, interrupted %s, owner %d, last error %q; "+
					"want one attempt counted, unanswered, started at %s, released, the error naming the file",
					owned.Attempts, owned.Unanswered, owned.Interrupted, owned.Owner, owned.LastError, changed)
			}
			fresh, err := s.Get(recs[1].ID)
			if err != nil {
				t.Fatal(err)
			}
			if fresh.Attempts != 0 || fresh.Unanswered != 0 {
				t.Errorf("the body the process did not own: %d attempts, %d unanswered; want none", fresh.Attempts, fresh.Unanswered)
			}
			if _, err := os.Lstat(name); err != nil {
				t.Errorf("the file that cannot be read: %v, want it kept", err)
			}
			if told := g.told[name]; len(told) != 1 || !strings.Contains(told[0].Error(), "cannot be read") {
				t.Errorf("told %v, want once that %s cannot be read", g.told, name)
			}
		})
	}
}
