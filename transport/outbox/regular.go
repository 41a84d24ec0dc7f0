package outbox

import (
	"errors"
	"os"

	"github.com/injectkit/injectkit/internal/filekind"
)

// CheckFile refuses a path naming something other than a regular file (a
// link to one included) or nothing: a FIFO, whose opening would wait for a
// writer, a device (/dev/null), a directory, a socket. The error says what
// the path names; it does not name the path.
func CheckFile(path string) error {
	fi, err := os.Stat(path)
	if err != nil || fi.Mode().IsRegular() {
		return nil // absent (created), or any other failure: reported by Open
	}
	return errors.New(filekind.NotRegular(fi.Mode()))
}
