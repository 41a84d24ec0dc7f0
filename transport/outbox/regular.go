package outbox

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"syscall"

	"github.com/injectkit/injectkit/internal/filekind"
)

// CheckFile refuses a path naming something other than a regular file (a
// link to one included) or nothing: a FIFO, whose opening would wait for a
// writer, a device (/dev/null), a directory, a socket, and a symbolic link
// to nothing (a dangling one, whose target would be created), or a
// symbolic link loop (in the path's last part or a directory of it), no
// file ever reached through it. The error says what the path names; it
// does not name the path.
func CheckFile(path string) error {
	fi, err := os.Stat(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		if target, lerr := os.Readlink(path); lerr == nil {
			// Created, the file would be made where the link points,
			// which whoever planted the link chose.
			return fmt.Errorf("a symbolic link to %q, which does not exist: not created through it (give the file's own path)", target)
		}
	case errors.Is(err, syscall.ELOOP):
		return errors.New("a symbolic link loop (too many levels of symbolic links): no file can be reached through it (give the file's own path)")
	}
	if err != nil || fi.Mode().IsRegular() {
		return nil // absent (created), or any other failure: reported by Open
	}
	return errors.New(filekind.NotRegular(fi.Mode()))
}
