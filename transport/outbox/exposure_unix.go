//go:build unix

package outbox

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/injectkit/injectkit/internal/filekind"
)

// Exposure says what lets another user control the outbox file at path,
// "" when nothing does (or when it does not exist yet): the file owned by
// another user than this process's (but root), or writable by its group
// or others, or its directory (where its files of attempts, its lock
// record and the new file of a compaction are made) owned by another user
// (but root), or writable by group or others without the sticky bit, and
// so the directory of the file a link names (filekind.LinkedDir). A
// body another user stores there would be posted with this process's
// token; the caller warns (as ssh does of a key file), it does not refuse:
// a shared outbox may be meant.
func Exposure(path string) string {
	var why []string
	euid := os.Geteuid()
	if fi, err := os.Stat(path); err == nil {
		if uid, foreign := filekind.ForeignOwner(fi); foreign {
			why = append(why, fmt.Sprintf("the file is owned by uid %d, not this process's (uid %d)", uid, euid))
		}
		if perm := fi.Mode().Perm(); perm&0o022 != 0 {
			why = append(why, fmt.Sprintf("the file is writable by %s (mode %#o)", filekind.Others(perm, 0o002), perm))
		}
	}
	dir := filepath.Dir(path)
	why = append(why, filekind.DirExposure(dir)...)
	if linked := filekind.LinkedDir(path, dir); linked != "" {
		// A link to a file elsewhere: whoever may write to that
		// directory puts another outbox file in its place.
		why = append(why, filekind.DirExposure(linked)...)
	}
	return strings.Join(why, "; ")
}
