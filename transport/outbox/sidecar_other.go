//go:build !unix

package outbox

import (
	"errors"
	"os"
)

// errLinkHere is openNoFollow's refusal of a symbolic link.
var errLinkHere = errors.New("symbolic link")

// openNoFollow opens path with flag unless it names a symbolic link
// (checked before the open: there is no O_NOFOLLOW here).
func openNoFollow(path string, flag int) (*os.File, error) {
	if fi, err := os.Lstat(path); err == nil && fi.Mode()&os.ModeSymlink != 0 {
		return nil, &os.PathError{Op: "open", Path: path, Err: errLinkHere}
	}
	return os.OpenFile(path, flag, 0o600)
}

// isLinkRefused reports whether err is openNoFollow's refusal of a link.
func isLinkRefused(err error) bool { return errors.Is(err, errLinkHere) }

// links returns 1: the number of a file's names is not told here.
func links(os.FileInfo) uint64 { return 1 }

// fileIDs tells no owner: there are no Unix owners here.
func fileIDs(os.FileInfo) (uid, gid int, ok bool) { return 0, 0, false }
