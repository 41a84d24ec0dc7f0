package outbox

import (
	"errors"
	"fmt"
	"io"
	"os"
)

// The files beside the outbox that this package writes (the lock record
// <outbox>.lock, the file of attempts <outbox>.sending-<pid>-<start> and
// its rewrite <…>.new) sit in the outbox's directory, where another user
// may plant a name first (a shared /tmp). Each is created new (see
// newSidecar), mode 0600, never written in place of what its name held,
// and read without following a symbolic link and only when it is a
// regular file of one name: a link planted there, a FIFO, a device or a
// hard link to another file is never read or written through.

// errSidecarLink is the error of a sidecar path that is not this
// package's to read (see readSidecar).
var errSidecarLink = errors.New("not a regular file of one name (a planted link?): left as it is, not read through")

// readSidecar reads the sidecar file at path without following a link
// at its name: a link, a hard link to another file, a FIFO (whose reading
// would wait for a writer) or a device is not read, and neither is a file
// of a user who may not write the outbox (see trusted).
func (s *Store) readSidecar(path string) ([]byte, error) {
	f, err := openNoFollow(path, os.O_RDONLY)
	if err != nil {
		if isLinkRefused(err) {
			return nil, fmt.Errorf("%s: %w", path, errSidecarLink)
		}
		return nil, err
	}
	defer f.Close()
	fi, err := checkSidecar(f)
	if err == nil {
		err = s.trusted(fi)
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return io.ReadAll(f)
}

// createSidecar writes b to a new file at path (see newSidecar).
func createSidecar(path string, b []byte) error {
	f, err := newSidecar(path)
	if err != nil {
		return err
	}
	_, err = f.Write(b)
	return errors.Join(err, f.Close())
}

// newSidecar creates the sidecar file at path, mode 0600, and returns it
// open for appending: whatever the path names (a leftover, a file or a
// link another user planted) is removed first, the name and not what it
// names, and the file is created exclusively, so that nothing planted
// there, or meanwhile, is truncated and written in place (a file of
// another user, which that user could rewrite afterwards; a leftover
// whose mode gives others more than 0640). A name this process may not
// remove (another user's in a sticky directory) fails the creation.
func newSidecar(path string) (*os.File, error) {
	if err := os.Remove(path); err != nil && !errors.Is(err, os.ErrNotExist) {
		return nil, err
	}
	return openNoFollow(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL|os.O_APPEND)
}

// checkSidecar refuses an open file that is not a regular file of one
// name (a hard link planted to another file would have it read), and
// returns what it is.
func checkSidecar(f *os.File) (os.FileInfo, error) {
	fi, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if !fi.Mode().IsRegular() || links(fi) > 1 {
		return nil, errSidecarLink
	}
	return fi, nil
}
