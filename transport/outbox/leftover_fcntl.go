//go:build solaris || aix || android

package outbox

import (
	"io"
	"os"

	"golang.org/x/sys/unix"
)

// lockMode is how removeUnlocked opens a file to lock it: an fcntl(2)
// write lock needs a file open for writing.
const lockMode = os.O_RDWR

// tryLock locks the file open at fd without waiting, as bbolt locks its
// file on these systems, which have no flock(2): an fcntl(2) write lock on
// the whole file. Such a lock is the process's, not the descriptor's: one
// this process holds on the file does not refuse it, and closing fd drops
// it, so a creation of this process's own (another Store on the same
// path) may see its temporary file removed, which it takes for another
// process's doing and makes anew (errTempGone).
func tryLock(fd int) error {
	lk := unix.Flock_t{Type: unix.F_WRLCK, Whence: io.SeekStart}
	return unix.FcntlFlock(uintptr(fd), unix.F_SETLK, &lk)
}
