//go:build unix

package outbox

import (
	"os"
	"path/filepath"
	"slices"
	"syscall"
	"testing"
)

// otherGroup returns a group this process may give its files other than
// its own (any, as root), or skips the test.
func otherGroup(t *testing.T) int {
	t.Helper()
	if os.Geteuid() == 0 {
		return 1
	}
	groups, err := os.Getgroups()
	if err != nil {
		t.Skip(err)
	}
	for _, g := range groups {
		if g != os.Getegid() {
			return g
		}
	}
	t.Skip("no group to give the outbox but this process's own")
	return 0
}

// A compacted file keeps its owner and group (chgrp'd to share it), and
// its mode: the new file replacing it does not take those of the process.
func TestCompactKeepsOwnerAndGroup(t *testing.T) {
	gid := otherGroup(t)
	path := filepath.Join(t.TempDir(), "outbox.db")
	s := mustOpen(t, path, Options{})
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := os.Chown(path, os.Geteuid(), gid); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(path, 0o640); err != nil {
		t.Fatal(err)
	}
	before := fileStat(t, path)
	kept := filled(t, path, 24, 2, Options{}, nil)
	after := fileStat(t, path)
	if after.Ino == before.Ino {
		t.Fatalf("not compacted: %d bytes", fileSize(t, path))
	}
	if after.Uid != before.Uid || after.Gid != before.Gid || after.Mode&0o777 != 0o640 {
		t.Errorf("compacted file %d:%d mode %o, want %d:%d mode 640", after.Uid, after.Gid, after.Mode&0o777, before.Uid, before.Gid)
	}
	wantKept(t, path, kept)
	if left := leftovers(t, path); len(slices.DeleteFunc(left, func(n string) bool { return n == "outbox.db.lock" })) != 0 {
		t.Errorf("files left beside the outbox: %v", left)
	}
}

func fileStat(t *testing.T, path string) *syscall.Stat_t {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return fi.Sys().(*syscall.Stat_t)
}
