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
// may plant a name first (a shared /tmp). Each is opened without
// following a symbolic link and written only when it is a regular file
// of one name: a link planted there, a FIFO, a device or a hard link to
// another file is refused, never written through.

// errSidecarLink is the error of a sidecar path that is not this
// package's to write (see openSidecar).
var errSidecarLink = errors.New("not a regular file of one name (a planted link?): left as it is, not written through")

// openSidecar opens the sidecar file at path for writing with flag (of
// os.O_CREATE, os.O_APPEND, os.O_TRUNC), mode 0600 when created. A
// path naming a symbolic link or anything else than a regular file of
// one link fails with an error wrapping errSidecarLink, before a byte is
// written or cut: O_TRUNC is applied once the file is known to be one.
func openSidecar(path string, flag int) (*os.File, error) {
	f, err := openNoFollow(path, (flag&^os.O_TRUNC)|os.O_WRONLY)
	if err != nil {
		if isLinkRefused(err) {
			return nil, fmt.Errorf("%s: %w", path, errSidecarLink)
		}
		return nil, err
	}
	if err := checkSidecar(f); err != nil {
		_ = f.Close()
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if flag&os.O_TRUNC != 0 {
		if err := f.Truncate(0); err != nil {
			_ = f.Close()
			return nil, err
		}
	}
	return f, nil
}

// readSidecar reads the sidecar file at path as openSidecar opens it: a
// link, a FIFO (whose reading would wait for a writer) or a device is
// not read.
func readSidecar(path string) ([]byte, error) {
	f, err := openNoFollow(path, os.O_RDONLY)
	if err != nil {
		if isLinkRefused(err) {
			return nil, fmt.Errorf("%s: %w", path, errSidecarLink)
		}
		return nil, err
	}
	defer f.Close()
	if err := checkSidecar(f); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return io.ReadAll(f)
}

// createSidecar writes b to a new file at path: whatever the path names
// (a leftover of a rewrite cut short, a link planted there) is removed
// first, the link and not what it names, and the file is created
// exclusively, so that no name planted meanwhile is written through.
func createSidecar(path string, b []byte) error {
	if err := os.Remove(path); err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	f, err := openNoFollow(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL)
	if err != nil {
		return err
	}
	_, err = f.Write(b)
	return errors.Join(err, f.Close())
}

// checkSidecar refuses an open file that is not a regular file of one
// name: a hard link planted to another file would have it written.
func checkSidecar(f *os.File) error {
	fi, err := f.Stat()
	if err != nil {
		return err
	}
	if !fi.Mode().IsRegular() || links(fi) > 1 {
		return errSidecarLink
	}
	return nil
}
