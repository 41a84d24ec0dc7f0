package outbox

import (
	"errors"
	"fmt"
	"io/fs"
	"os"

	"github.com/injectkit/injectkit/internal/filekind"
)

// CheckFile refuses a path naming something other than a regular file (a
// link to one included) or nothing: a FIFO, whose opening would wait for a
// writer, a device (/dev/null), a directory, a socket, and a symbolic link
// to nothing (a dangling one, whose target would be created). The error
// says what the path names; it does not name the path.
func CheckFile(path string) error {
	fi, err := os.Stat(path)
	if errors.Is(err, fs.ErrNotExist) {
		if target, lerr := os.Readlink(path); lerr == nil {
			// Created, the file would be made where the link points,
			// which whoever planted the link chose.
			return fmt.Errorf("a symbolic link to %q, which does not exist: not created through it (give the file's own path)", target)
		}
	}
	if err != nil || fi.Mode().IsRegular() {
		return nil // absent (created), or any other failure: reported by Open
	}
	return errors.New(filekind.NotRegular(fi.Mode()))
}
