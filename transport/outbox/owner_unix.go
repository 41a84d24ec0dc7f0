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
