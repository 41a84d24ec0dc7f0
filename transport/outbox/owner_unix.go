//go:build unix

package outbox

import (
	"os"
	"syscall"
)

// ownFile reports whether this process's effective user owns the file fi
// describes.
func ownFile(fi os.FileInfo) bool {
	st, ok := fi.Sys().(*syscall.Stat_t)
	return ok && int(st.Uid) == os.Geteuid()
}

// chownLike gives f the owner and group of the file fi describes; it
// fails when this process may not (a group it is not a member of).
func chownLike(f *os.File, fi os.FileInfo) error {
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return nil
	}
	return f.Chown(int(st.Uid), int(st.Gid))
}
