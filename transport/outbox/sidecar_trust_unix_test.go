//go:build unix

package outbox

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// ignoredFiles collects what Options.SidecarIgnored is told.
type ignoredFiles struct{ told map[string][]error }

func (g *ignoredFiles) tell(path string, err error) {
	if g.told == nil {
		g.told = map[string][]error{}
	}
	g.told[path] = append(g.told[path], err)
}

// nextPass opens the outbox at path again, telling the files of
// attempts it passes over to the ignoredFiles it returns, and makes a
// Resender's next pass over the files of attempts (recoverAttempts).
func nextPass(t *testing.T, path string) (*Store, *ignoredFiles) {
	t.Helper()
	g := &ignoredFiles{}
	s := mustOpen(t, path, Options{SidecarIgnored: g.tell})
	t.Cleanup(func() { s.Close() })
	if err := s.recoverAttempts(); err != nil {
		t.Fatal(err)
	}
	return s, g
}

// endedAttempts writes, beside the outbox at path, the file of attempts
// of a process that ended, with one attempt of record id started and not
// ended, and returns its path and that process's pid and start.
func endedAttempts(t *testing.T, path string, id uint64) (name string, pid int, start uint64) {
	t.Helper()
	pid, start = endedProcess(t)
	name = fmt.Sprintf("%s.sending-%d-%d-PLANTED1", path, pid, start)
	if err := os.WriteFile(name, appendStart(nil, id, time.Now()), 0o600); err != nil {
		t.Fatal(err)
	}
	return name, pid, start
}

// leftByEnded leaves record id of s owned by a process that ended during
// its attempt, its file of attempts naming it, and closes s; it returns
// that file's name.
func leftByEnded(t *testing.T, s *Store, id uint64) string {
	t.Helper()
	name, pid, start := endedAttempts(t, s.Path(), id)
	if _, err := s.update(id, func(r *Record) error {
		r.Owner, r.OwnerStart, r.LeaseUntil = pid, start, time.Now().Add(time.Hour)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	return name
}

// A file of attempts is counted only when a user who may write the outbox
// owns it: one another user planted, named after a process that ended,
// is left as it is, unread (its attempts not counted: the body is not
// held back), and the caller told once.
func TestForeignAttemptsFileNotRead(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("giving files to other users takes root")
	}
	tests := []struct {
		name       string
		outbox     int         // the outbox file's owner
		group      bool        // the outbox writable by its group, the file of attempts of that group
		dirMode    os.FileMode // the directory's mode, 0: as made
		counted    bool
		ignoredErr error
	}{
		{name: "another user's", outbox: 0, ignoredErr: errSidecarForeign},
		{name: "the outbox owner's", outbox: foreignUID, counted: true},
		{name: "a writer of the outbox's group", outbox: 0, group: true, counted: true},
		{name: "of the group of a setgid directory", outbox: 0, group: true, dirMode: os.ModeSetgid | 0o777, ignoredErr: errSidecarForeign},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "outbox.db")
			s := mustOpen(t, path, Options{})
			recs, err := s.Put(entry("i", 0, 1, "{}"))
			if err != nil {
				t.Fatal(err)
			}
			if err := s.Close(); err != nil {
				t.Fatal(err)
			}
			const gid = 4242
			if err := os.Chown(path, tt.outbox, gid); err != nil {
				t.Fatal(err)
			}
			if tt.group {
				if err := os.Chmod(path, 0o660); err != nil {
					t.Fatal(err)
				}
			}
			if tt.dirMode != 0 {
				if err := os.Chmod(dir, tt.dirMode); err != nil {
					t.Fatal(err)
				}
			}
			name, _, _ := endedAttempts(t, path, recs[0].ID)
			sgid := foreignUID
			if tt.group {
				sgid = gid
			}
			if err := os.Chown(name, foreignUID, sgid); err != nil {
				t.Fatal(err)
			}
			var g ignoredFiles
			s = mustOpen(t, path, Options{SidecarIgnored: g.tell})
			defer s.Close()
			r, err := s.Get(recs[0].ID)
			if err != nil {
				t.Fatal(err)
			}
			if counted := r.Unanswered == 1 && r.Attempts == 1; counted != tt.counted {
				t.Errorf("attempt counted: %t (%d attempts, %d unanswered), want %t", counted, r.Attempts, r.Unanswered, tt.counted)
			}
			_, err = os.Lstat(name)
			if kept := err == nil; kept == tt.counted {
				t.Errorf("file of attempts kept: %t (%v), want %t", kept, err, !tt.counted)
			}
			if tt.ignoredErr == nil {
				if len(g.told) != 0 {
					t.Errorf("told %v, want nothing", g.told)
				}
				return
			}
			if err := s.recoverAttempts(); err != nil { // a Resender's next pass
				t.Fatal(err)
			}
			if told := g.told[name]; len(told) != 1 || !errors.Is(told[0], tt.ignoredErr) || !strings.Contains(told[0].Error(), "owned by uid 65534") {
				t.Errorf("told %v, want once that %s is another user's", g.told, name)
			}
		})
	}
}

// A lock record another user planted is not read: the process waiting
// for the lock is not told that whatever process it names holds it.
func TestForeignLockRecordNotRead(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("giving files to other users takes root")
	}
	path := lockedWithoutRecord(t)
	plantRegular(t, path+".lock", foreignUID, 0o644, "pid=1\ncommand=injectkit flush\n")
	_, err := Open(path, Options{})
	var le *LockedError
	if !errors.As(err, &le) || le.PID != 0 || le.Command != "" {
		t.Errorf("open: %v, want locked, its holder unknown", err)
	}
}

// Another user's file of attempts that cannot be read (here, given a
// second name; as well one without read permission), named after a process that ended and owned a body, is
// judged by its owner all the same: left unread, the caller told it is
// another user's, and the body not held back as after an attempt.
func TestForeignUnreadableAttemptsFileNotHeld(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("giving files to other users takes root")
	}
	tests := []struct {
		name  string
		spoil func(t *testing.T, name string)
	}{
		{"a second name", func(t *testing.T, name string) {
			if err := os.Lchown(name, foreignUID, foreignUID); err != nil {
				t.Fatal(err)
			}
			if err := os.Link(name, filepath.Join(filepath.Dir(name), "second-name")); err != nil {
				t.Skip("no hard links here:", err)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "outbox.db")
			s := mustOpen(t, path, Options{})
			recs, err := s.Put(entry("owned", 0, 1, "{}"))
			if err != nil {
				t.Fatal(err)
			}
			name := leftByEnded(t, s, recs[0].ID)
			tt.spoil(t, name)
			s, g := nextPass(t, path)
			r, err := s.Get(recs[0].ID)
			if err != nil {
				t.Fatal(err)
			}
			if r.Attempts != 0 || r.Unanswered != 0 || !r.Interrupted.IsZero() {
				t.Errorf("the body: %d attempts, %d unanswered, interrupted %s; want none counted from another user's file",
					r.Attempts, r.Unanswered, r.Interrupted)
			}
			if _, err := os.Lstat(name); err != nil {
				t.Errorf("another user's file: %v, want it left as it is", err)
			}
			if told := g.told[name]; len(told) != 1 || !errors.Is(told[0], errSidecarForeign) || !strings.Contains(told[0].Error(), "owned by uid 65534") {
				t.Errorf("told %v, want once that %s is another user's", g.told, name)
			}
		})
	}
}
