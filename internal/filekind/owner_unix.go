//go:build unix

package filekind

import (
	"io/fs"
	"os"
	"syscall"
)

// ForeignOwner returns the uid that owns the file fi describes, and
// whether it is another user than this process's effective one and not
// root: a file such a user owns is theirs to change.
func ForeignOwner(fi fs.FileInfo) (uid int, foreign bool) {
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return 0, false
	}
	uid = int(st.Uid)
	return uid, uid != os.Geteuid() && uid != 0
}
