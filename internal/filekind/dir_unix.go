//go:build unix

package filekind

import (
	"fmt"
	"io/fs"
	"os"
)

// DirExposure says what lets another user replace the files of directory
// dir (rename one away and put their own in its place, whatever the
// file's own mode): dir owned by another user than this process's
// effective one (but root), or writable by its group or others without
// the sticky bit (with it, only a file's owner may rename or remove it).
// Each reason names dir and, for its mode, the mode ("its directory /etc/x
// is writable by group without the sticky bit (mode 0775)"); none when
// nothing does, or dir cannot be read.
func DirExposure(dir string) []string {
	fi, err := os.Stat(dir)
	if err != nil || !fi.IsDir() {
		return nil
	}
	var why []string
	if uid, foreign := ForeignOwner(fi); foreign {
		why = append(why, fmt.Sprintf("its directory %s is owned by uid %d, not this process's (uid %d)", dir, uid, os.Geteuid()))
	}
	if perm := fi.Mode().Perm(); perm&0o022 != 0 && fi.Mode()&fs.ModeSticky == 0 {
		why = append(why, fmt.Sprintf("its directory %s is writable by %s without the sticky bit (mode %#o)", dir, Others(perm, 0o002), perm))
	}
	return why
}
