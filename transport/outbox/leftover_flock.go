//go:build unix && !solaris && !aix && !android

package outbox

import (
	"os"

	"golang.org/x/sys/unix"
)

// lockMode is how removeUnlocked opens a file to lock it: flock(2) locks
// a file open for reading.
const lockMode = os.O_RDONLY

// tryLock locks the file open at fd without waiting, as bbolt locks its
// file here: flock(2), whole file, exclusive.
func tryLock(fd int) error { return unix.Flock(fd, unix.LOCK_EX|unix.LOCK_NB) }
