//go:build unix && !solaris && !aix && !android

// bbolt locks its file with flock(2) here; on solaris, aix and android it
// takes fcntl(2) locks, which a process cannot hold against itself, so
// this test, which holds the lock as another process would, runs here only.

package outbox

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// The temporary file of a creation a killed process cut short is removed
// by the next process to open the outbox; one a live process holds locked
// (a creation under way) is kept.
func TestCreateLeftoverRemoved(t *testing.T) {
	tests := []struct {
		name   string
		locked bool
		want   bool // still there
	}{
		{"left by a killed process", false, false},
		{"held by a live process", true, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "outbox.db")
			left := filepath.Join(filepath.Dir(path), ".outbox.db.new-12345")
			if err := os.WriteFile(left, nil, 0o600); err != nil {
				t.Fatal(err)
			}
			if tt.locked {
				f, err := os.Open(left)
				if err != nil {
					t.Fatal(err)
				}
				defer f.Close()
				if err := tryLock(int(f.Fd())); err != nil {
					t.Fatal(err)
				}
			}
			s := mustOpen(t, path, Options{})
			defer s.Close()
			_, err := os.Stat(left)
			if there := !errors.Is(err, os.ErrNotExist); there != tt.want {
				t.Errorf("leftover there: %v, want %v (%v)", there, tt.want, err)
			}
		})
	}
}
