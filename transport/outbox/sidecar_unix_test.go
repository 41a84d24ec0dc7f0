//go:build unix

package outbox

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"golang.org/x/sys/unix"
)

// plants are what another user may leave at the name of a file the
// outbox writes beside itself: each must be left as it is, the file it
// names untouched.
func plants() []struct {
	name  string
	plant func(victim, at string) error
} {
	return []struct {
		name  string
		plant func(victim, at string) error
	}{
		{"symlink", os.Symlink},
		{"dangling symlink", func(victim, at string) error { return os.Symlink(victim+".absent", at) }},
		{"hard link", os.Link},
		{"fifo", func(_, at string) error { return unix.Mkfifo(at, 0o600) }},
	}
}

// victimFile writes a file the outbox must never write, and returns a
// check that it still holds what it held.
func victimFile(t *testing.T, dir string) (string, func()) {
	t.Helper()
	victim := filepath.Join(dir, "victim.txt")
	if err := os.WriteFile(victim, []byte("line1\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return victim, func() {
		t.Helper()
		if raw, err := os.ReadFile(victim); err != nil || string(raw) != "line1\n" {
			t.Errorf("victim file: %q, %v; want it untouched", raw, err)
		}
		if _, err := os.Lstat(victim + ".absent"); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("the target of a dangling link was created: %v", err)
		}
	}
}

// The lock record <outbox>.lock is not written through a link (or any
// other file) planted at its name: the name is removed, the record
// created new.
func TestLockRecordRefusesPlanted(t *testing.T) {
	for _, tt := range plants() {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			victim, untouched := victimFile(t, dir)
			path := filepath.Join(dir, "outbox.db")
			if err := tt.plant(victim, path+".lock"); err != nil {
				t.Skip("cannot plant:", err)
			}
			var unrecorded error
			var s *Store
			var err error
			noHang(t, "Open", func() { s, err = Open(path, Options{LockUnrecorded: func(err error) { unrecorded = err }}) })
			if err != nil {
				t.Fatal(err)
			}
			untouched()
			if unrecorded != nil {
				t.Errorf("lock unrecorded: %v", unrecorded)
			}
			wantOwnNew(t, path+".lock", 0)
			noHang(t, "Close", func() { err = s.Close() })
			if err != nil {
				t.Fatal(err)
			}
			untouched()
		})
	}
}

// storeBesideVictim opens an outbox, closed with the test, in a new
// folder beside a victim file (victimFile), for a test to plant a name
// to the victim where the outbox writes.
func storeBesideVictim(t *testing.T) (s *Store, victim string, untouched func()) {
	t.Helper()
	dir := t.TempDir()
	victim, untouched = victimFile(t, dir)
	s = mustOpen(t, filepath.Join(dir, "outbox.db"), Options{})
	t.Cleanup(func() { s.Close() })
	return s, victim, untouched
}

// The file of attempts <outbox>.sending-<pid>-<start> is not written
// through a name planted there: the name is removed, the file created
// new.
func TestAttemptsFileRefusesPlanted(t *testing.T) {
	for _, tt := range plants() {
		t.Run(tt.name, func(t *testing.T) {
			s, victim, untouched := storeBesideVictim(t)
			var err error
			withoutAttemptsFile(t, s) // as Open left it on a full disk: the first note creates it
			if err := tt.plant(victim, s.attemptsPath()); err != nil {
				t.Skip("cannot plant:", err)
			}
			noHang(t, "startAttempt", func() { err = s.startAttempt(Record{ID: 1}) })
			if err != nil {
				t.Errorf("startAttempt: %v", err)
			}
			untouched()
			wantOwnNew(t, s.attemptsPath(), 0)
		})
	}
}

// The rewrite of a grown file of attempts (<…>.new, renamed over it) is
// created new: a name planted there is removed, not written through.
func TestAttemptsRewriteRefusesPlanted(t *testing.T) {
	for _, tt := range plants() {
		t.Run(tt.name, func(t *testing.T) {
			s, victim, untouched := storeBesideVictim(t)
			var err error
			if err := s.startAttempt(Record{ID: 7}); err != nil {
				t.Fatal(err)
			}
			if err := tt.plant(victim, s.attemptsPath()+".new"); err != nil {
				t.Skip("cannot plant:", err)
			}
			noHang(t, "the rewrite of the file of attempts", func() {
				for i := uint64(100); s.attempts.size <= maxAttemptsFile && err == nil; i++ {
					if err = s.startAttempt(Record{ID: i}); err == nil {
						s.endAttempts(i)
					}
				}
				if err == nil {
					err = s.startAttempt(Record{ID: 8})
				}
			})
			if err != nil {
				t.Fatal(err)
			}
			untouched()
			raw, err := os.ReadFile(s.attemptsPath())
			if err != nil || len(parseAttempts(raw, 0)) != 2 {
				t.Errorf("rewritten file: %q, %v; want the attempts of records 7 and 8", raw, err)
			}
		})
	}
}

// The lock record another process holds is read without following a
// link and without waiting on a FIFO planted at its name: the opener
// that finds the file locked is told so at once.
func TestLockedErrorReadsNoPlantedFIFO(t *testing.T) {
	path := lockedWithoutRecord(t)
	if err := unix.Mkfifo(path+".lock", 0o600); err != nil {
		t.Skip("no FIFO here:", err)
	}
	var err error
	noHang(t, "Open", func() {
		var s *Store
		if s, err = Open(path, Options{}); err == nil {
			s.Close()
		}
	})
	var le *LockedError
	if !errors.As(err, &le) || le.PID != 0 {
		t.Errorf("open: %v, want locked, its holder unknown", err)
	}
}
