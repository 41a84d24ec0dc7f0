//go:build linux

package outbox

import (
	"os"

	"golang.org/x/sys/unix"
)

// reserve has the file system set aside the blocks of f up to end, f's
// size unchanged (fallocate, FALLOC_FL_KEEP_SIZE): a write within them
// takes none of the file system's free blocks, and succeeds on a full
// disk. A truncation gives them back.
func reserve(f *os.File, end int64) error {
	rc, err := f.SyscallConn()
	if err != nil {
		return err
	}
	var ferr error
	if err := rc.Control(func(fd uintptr) {
		ferr = unix.Fallocate(int(fd), unix.FALLOC_FL_KEEP_SIZE, 0, end) //nolint:gosec // a descriptor fits an int
	}); err != nil {
		return err
	}
	return ferr
}
