//go:build unix

package outbox

import (
	"os"
	"syscall"
)

// fileIdent is the inode of the file fi describes: a compaction's copy,
// a new file renamed over the outbox, has another (see index.go).
func fileIdent(fi os.FileInfo) uint64 {
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		return uint64(st.Ino)
	}
	return 0
}
