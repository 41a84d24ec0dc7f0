//go:build unix

package outbox

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
)

// foreignUID is the user that plants files in these tests (nobody).
const foreignUID = 65534

// plantRegular writes a regular file at path of mode perm, owned by uid
// (chown'd: root only, else the test is skipped when uid is another's),
// and returns its inode, kept open until the test ends so that no file
// created later is given that inode.
func plantRegular(t *testing.T, path string, uid int, perm os.FileMode, content string) uint64 {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), perm); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(path, perm); err != nil { // past the umask
		t.Fatal(err)
	}
	if uid != os.Geteuid() {
		if err := os.Lchown(path, uid, uid); err != nil {
			t.Skip("cannot give a file to another user:", err)
		}
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return fileStat(t, path).Ino
}

// wantOwnNew fails unless the file at path is a regular file of this
// process's user, not the inode planted, of a mode giving nothing past
// 0640 (no group write, nothing to others).
func wantOwnNew(t *testing.T, path string, planted uint64) {
	t.Helper()
	fi, err := os.Lstat(path)
	if err != nil {
		t.Fatal(err)
	}
	st := fi.Sys().(*syscall.Stat_t)
	switch {
	case !fi.Mode().IsRegular():
		t.Errorf("%s: mode %v, want a regular file", path, fi.Mode())
	case st.Ino == planted:
		t.Errorf("%s: the planted file (inode %d) was written in place, not created new", path, planted)
	case int(st.Uid) != os.Geteuid():
		t.Errorf("%s: owned by uid %d, want this process's (%d)", path, st.Uid, os.Geteuid())
	case fi.Mode().Perm()&^0o640 != 0:
		t.Errorf("%s: mode %#o, want at most 0640", path, fi.Mode().Perm())
	}
}

// The lock record is created new, exclusively, once whatever its name
// held is removed: a regular file planted there by another user (mode
// 0666, which any user may rewrite to name another holder) or left of
// mode 0666 is not truncated and written in place.
func TestLockRecordCreatedNew(t *testing.T) {
	for _, uid := range []int{os.Geteuid(), foreignUID} {
		t.Run("uid="+strconv.Itoa(uid), func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "outbox.db")
			planted := plantRegular(t, path+".lock", uid, 0o666, "pid=1\ncommand=init\n")
			var unrecorded error
			s := mustOpen(t, path, Options{Command: "injectkit serve", LockUnrecorded: func(err error) { unrecorded = err }})
			defer s.Close()
			if unrecorded != nil {
				t.Fatalf("lock unrecorded: %v", unrecorded)
			}
			wantOwnNew(t, path+".lock", planted)
			raw, err := os.ReadFile(path + ".lock")
			if want := "pid=" + strconv.Itoa(os.Getpid()) + "\n"; err != nil || !strings.HasPrefix(string(raw), want) {
				t.Errorf("lock record %q, %v; want it to begin %q", raw, err, want)
			}
		})
	}
}

// The file of attempts is created new: a file at its name (of another
// user, or of mode 0666) is removed, not truncated and written in place.
func TestAttemptsFileCreatedNew(t *testing.T) {
	for _, uid := range []int{os.Geteuid(), foreignUID} {
		t.Run("uid="+strconv.Itoa(uid), func(t *testing.T) {
			s := mustOpen(t, filepath.Join(t.TempDir(), "outbox.db"), Options{})
			defer s.Close()
			withoutAttemptsFile(t, s) // as Open left it on a full disk: the first note creates it
			planted := plantRegular(t, s.attemptsPath(), uid, 0o666, "s 1 1\n")
			if err := s.startAttempt(Record{ID: 2}); err != nil {
				t.Fatal(err)
			}
			wantOwnNew(t, s.attemptsPath(), planted)
			if raw, err := os.ReadFile(s.attemptsPath()); err != nil || len(parseAttempts(raw, 0)) != 1 {
				t.Errorf("file of attempts %q, %v; want record 2's attempt alone", raw, err)
			}
		})
	}
}

// A rewrite of the file of attempts goes on writing to the file it
// created and renamed, not to whatever the name holds once renamed: a
// file another user swaps in meanwhile is neither written nor taken as
// the file of attempts.
func TestAttemptsRewriteKeepsItsFile(t *testing.T) {
	dir := t.TempDir()
	s := mustOpen(t, filepath.Join(dir, "outbox.db"), Options{})
	defer s.Close()
	if err := s.startAttempt(Record{ID: 7}); err != nil {
		t.Fatal(err)
	}
	swapped := filepath.Join(dir, "swapped")
	var ours uint64
	s.hooks.rewritten = func() {
		ours = fileStat(t, s.attemptsPath()).Ino
		plantRegular(t, swapped, foreignUID, 0o666, "")
		if err := os.Rename(swapped, s.attemptsPath()); err != nil {
			t.Error(err)
		}
	}
	growAttemptsPastBound(t, s)
	if ours == 0 {
		t.Fatal("no rewrite")
	}
	if raw, err := os.ReadFile(s.attemptsPath()); err != nil || len(raw) != 0 {
		t.Errorf("the file swapped in: %q, %v; want it unwritten", raw, err)
	}
	fi, err := s.attempts.f.Stat()
	if err != nil {
		t.Fatal(err)
	}
	if ino := fi.Sys().(*syscall.Stat_t).Ino; ino != ours {
		t.Errorf("writing to inode %d, want the rewrite's own %d", ino, ours)
	}
}

// Every file the outbox creates (the database, its lock record, its file
// of attempts and that file's rewrite) gives nothing past 0640, whatever
// the umask.
func TestCreatedFilesModes(t *testing.T) {
	old := syscall.Umask(0)
	defer syscall.Umask(old)
	dir := t.TempDir()
	path := filepath.Join(dir, "outbox.db")
	s := mustOpen(t, path, Options{})
	defer s.Close()
	if err := s.startAttempt(Record{ID: 7}); err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	check := func() {
		entries, err := os.ReadDir(dir)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range entries {
			fi, err := e.Info()
			if err != nil {
				t.Fatal(err)
			}
			seen[e.Name()] = true
			if fi.Mode().Perm()&^0o640 != 0 {
				t.Errorf("%s: mode %#o, want at most 0640", e.Name(), fi.Mode().Perm())
			}
		}
	}
	s.hooks.rewritten = check
	growAttemptsPastBound(t, s)
	check()
	for _, name := range []string{"outbox.db", "outbox.db.lock", filepath.Base(s.attemptsPath())} {
		if !seen[name] {
			t.Errorf("%s not seen (seen %v)", name, seen)
		}
	}
}
