//go:build unix

package outbox

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"

	"golang.org/x/sys/unix"
)

// Open refuses at once a path naming something other than a regular
// file: a FIFO is never opened (its opening would wait for a writer).
func TestOpenNotRegular(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "fifo.db")
	if err := unix.Mkfifo(fifo, 0o600); err != nil {
		t.Skip("no FIFO here:", err)
	}
	link := filepath.Join(dir, "link.db")
	if err := os.Symlink(fifo, link); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		path string
		ro   bool
		want string
	}{
		{fifo, false, "outbox " + fifo + ": a FIFO (named pipe), not a regular file"},
		{fifo, true, "outbox " + fifo + ": a FIFO (named pipe), not a regular file"},
		{link, false, "outbox " + link + ": a FIFO (named pipe), not a regular file"},
		{os.DevNull, false, "outbox " + os.DevNull + ": a character device, not a regular file"},
		{dir, false, "outbox " + dir + ": a directory, not a regular file"},
	}
	for _, tt := range tests {
		t.Run(filepath.Base(tt.path), func(t *testing.T) {
			var s *Store
			var err error
			noHang(t, "Open", func() { s, err = Open(tt.path, Options{ReadOnly: tt.ro}) })
			if err == nil {
				s.Close()
				t.Fatal("opened")
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q, want %q", err, tt.want)
			}
		})
	}
}

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
	kept := filled(t, path, mostlyFreeN, 2, Options{}, nil)
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
