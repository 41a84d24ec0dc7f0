//go:build unix

package cli

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/injectkit/injectkit/internal/filekind"
)

// configExposure says what lets another user read or change the config
// file at path, "" when nothing does (or when it is no regular file: a
// pipe, stdin): the file owned by another user than this process's (but
// root), writable by group or others (they would repoint backend_url and
// receive the token, wherever it is given), or, when it holds secrets,
// readable by them; or its directory another user's, or writable by group
// or others without the sticky bit (filekind.DirExposure: they may put
// another file in its place, whatever the file's own mode), and so the
// directory of the file a link names (filekind.LinkedDir). The caller
// warns, as ssh does of a key file.
func configExposure(path string, holdsSecrets bool) string {
	fi, err := os.Stat(path)
	if err != nil || !fi.Mode().IsRegular() {
		return ""
	}
	var why []string
	if uid, foreign := filekind.ForeignOwner(fi); foreign {
		why = append(why, fmt.Sprintf("owned by uid %d, not this process's (uid %d)", uid, os.Geteuid()))
	}
	perm := fi.Mode().Perm()
	if who := filekind.Others(perm, 0o002); who != "" {
		why = append(why, fmt.Sprintf("writable by %s (mode %#o): they may change backend_url and receive the token", who, perm))
	}
	if who := filekind.Others(perm, 0o004); holdsSecrets && who != "" {
		why = append(why, fmt.Sprintf("holding a secret and readable by %s (mode %#o)", who, perm))
	}
	dir, err := filepath.Abs(filepath.Dir(path)) // "." named as the user sees it
	if err != nil {
		dir = filepath.Dir(path)
	}
	dirs := []string{dir}
	if linked := filekind.LinkedDir(path, dir); linked != "" {
		dirs = append(dirs, linked)
	}
	for _, d := range dirs {
		for _, w := range filekind.DirExposure(d) {
			why = append(why, w+": they may put another config file in its place, changing backend_url and receiving the token")
		}
	}
	return strings.Join(why, "; ")
}
