//go:build unix

package outbox

import (
	"errors"
	"os"
	"syscall"
)

// openNoFollow opens path with flag without following a symbolic link
// at its last element, and without waiting for a FIFO's other end.
func openNoFollow(path string, flag int) (*os.File, error) {
	return os.OpenFile(path, flag|syscall.O_NOFOLLOW|syscall.O_NONBLOCK, 0o600)
}

// isLinkRefused reports whether err is openNoFollow's refusal of a
// symbolic link (ELOOP), or of a FIFO without a reader (ENXIO).
func isLinkRefused(err error) bool {
	return errors.Is(err, syscall.ELOOP) || errors.Is(err, syscall.ENXIO)
}

// links returns the number of names of the file fi describes.
func links(fi os.FileInfo) uint64 {
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		return uint64(st.Nlink)
	}
	return 1
}

// fileIDs returns the owner and group of the file fi describes.
func fileIDs(fi os.FileInfo) (uid, gid int, ok bool) {
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return 0, 0, false
	}
	return int(st.Uid), int(st.Gid), true
}
