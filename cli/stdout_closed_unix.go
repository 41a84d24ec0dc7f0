//go:build unix

package cli

import (
	"os"

	"golang.org/x/sys/unix"
)

// stdoutClosedAtStart reports whether f, the process's stdout, is the
// null device opened read and write, as Go's runtime opens it in place of
// a standard descriptor the process started without (checkfds): a shell's
// `>/dev/null` opens it write-only. A stdout on /dev/null opened read and
// write by the parent (`1<>/dev/null`, daemon(3)'s) is taken for closed
// too: its output goes nowhere either.
func stdoutClosedAtStart(f *os.File) bool {
	fi, err := f.Stat()
	if err != nil || fi.Mode()&os.ModeCharDevice == 0 {
		return false
	}
	null, err := os.Stat(os.DevNull)
	if err != nil || !os.SameFile(fi, null) {
		return false
	}
	flags, err := unix.FcntlInt(f.Fd(), unix.F_GETFL, 0)
	return err == nil && flags&unix.O_ACCMODE == unix.O_RDWR
}
