package outbox

import (
	"errors"
	"io/fs"
	"os"
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
	m := fi.Mode()
	switch {
	case m.IsDir():
		return errors.New("a directory, not a regular file")
	case m&fs.ModeNamedPipe != 0:
		return errors.New("a FIFO (named pipe), not a regular file")
	case m&fs.ModeCharDevice != 0:
		return errors.New("a character device, not a regular file")
	case m&fs.ModeDevice != 0:
		return errors.New("a block device, not a regular file")
	case m&fs.ModeSocket != 0:
		return errors.New("a socket, not a regular file")
	}
	return errors.New("not a regular file")
}
