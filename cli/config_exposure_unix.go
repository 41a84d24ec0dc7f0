//go:build unix

package cli

import (
	"fmt"
	"os"
	"strings"
	"syscall"
)

// configExposure says what lets another user read or change the config
// file at path, "" when nothing does (or when it is no regular file: a
// pipe, stdin): the file owned by another user than this process's (but
// root), writable by group or others (they would repoint backend_url and
// receive the token, wherever it is given), or, when it holds secrets,
// readable by them. The caller warns, as ssh does of a key file.
func configExposure(path string, holdsSecrets bool) string {
	fi, err := os.Stat(path)
	if err != nil || !fi.Mode().IsRegular() {
		return ""
	}
	var why []string
	if st, ok := fi.Sys().(*syscall.Stat_t); ok && int(st.Uid) != os.Geteuid() && st.Uid != 0 {
		why = append(why, fmt.Sprintf("owned by uid %d, not this process's (uid %d)", st.Uid, os.Geteuid()))
	}
	perm := fi.Mode().Perm()
	if perm&0o022 != 0 {
		why = append(why, fmt.Sprintf("writable by %s (mode %#o): they may change backend_url and receive the token", groupOthers(perm>>1), perm))
	}
	if holdsSecrets && perm&0o044 != 0 {
		why = append(why, fmt.Sprintf("holding a secret and readable by %s (mode %#o)", groupOthers(perm>>2), perm))
	}
	return strings.Join(why, "; ")
}

// groupOthers names whose bit of perm is set, of group (0o010) and
// others (0o001): perm is a mode shifted so that the right bit is the
// execute one.
func groupOthers(perm os.FileMode) string {
	switch {
	case perm&0o011 == 0o011:
		return "group and others"
	case perm&0o001 != 0:
		return "others"
	default:
		return "group"
	}
}
