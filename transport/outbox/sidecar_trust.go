package outbox

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// Whose files beside the outbox are read. A file of attempts names
// records of the outbox, whose attempts a reader counts (see
// recoverAttempts), and a lock record names the process said to hold the
// lock: one that another user planted in a shared directory (a file of
// attempts named after an ended process, say) must not be taken for this
// outbox's. Only the users who may write the outbox itself are trusted
// (see trusted); another's file is left as it is, unread, and the caller
// told (Options.SidecarIgnored).

// errSidecarForeign is the error of a sidecar file another user owns.
var errSidecarForeign = errors.New("another user's file (neither the outbox's owner, this process's user nor root): not this outbox's, left as it is and not read")

// trusted returns nil when fi, a sidecar file's, is owned by a user who
// may write the outbox: this process's user, root, the outbox file's
// owner, or a member of its group when the outbox is writable by its
// group (an outbox shared on purpose) and fi is of that group, in a
// directory that does not give its own group to every file made there
// (setgid: a planted file would be of that group whoever planted it).
// Elsewhere than on Unix every file is trusted: owners are not told.
func (s *Store) trusted(fi os.FileInfo) error {
	uid, gid, ok := fileIDs(fi)
	if !ok || uid == os.Geteuid() || uid == 0 {
		return nil
	}
	if ofi, err := os.Stat(s.path); err == nil {
		ouid, ogid, _ := fileIDs(ofi)
		if uid == ouid {
			return nil
		}
		if ofi.Mode().Perm()&0o020 != 0 && gid == ogid {
			if dfi, err := os.Stat(filepath.Dir(s.path)); err == nil && dfi.Mode()&os.ModeSetgid == 0 {
				return nil
			}
		}
	}
	return fmt.Errorf("owned by uid %d: %w", uid, errSidecarForeign)
}

// tellIgnored tells Options.SidecarIgnored, once per path and Store, of
// the file at path, not read for err.
func (s *Store) tellIgnored(path string, err error) {
	if s.opts.SidecarIgnored == nil {
		return
	}
	a := &s.attempts
	a.mu.Lock()
	told := a.told[path]
	if !told {
		if a.told == nil {
			a.told = map[string]bool{}
		}
		a.told[path] = true
	}
	a.mu.Unlock()
	if !told {
		s.opts.SidecarIgnored(path, err)
	}
}
