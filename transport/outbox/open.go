package outbox

import (
	"encoding/binary"
	"errors"
	"io"
	"os"
	"sync"
	"time"
)

// Open opens or creates the outbox at path, creating its directory (mode
// 0700) if needed. A file created appears whole or not at all: a creation
// that fails (a full disk) leaves no file. In Shared mode the file is
// checked and closed again.
func Open(path string, opts Options) (*Store, error) {
	s, err := open(path, opts)
	if err != nil {
		return nil, err
	}
	s.release()
	return s, nil
}

// OpenHeld is Open with the file kept open, in Shared mode, until release
// is called: what the caller reads right after (run's room check before
// an inject runs) shares Open's opening of the file, lock and lock record
// instead of making its own. Release it before anything long (the inject
// itself): another process waits for the file meanwhile. release may be
// called more than once.
func OpenHeld(path string, opts Options) (s *Store, release func(), err error) {
	s, err = open(path, opts)
	if err != nil {
		return nil, func() {}, err
	}
	var once sync.Once
	return s, func() { once.Do(s.release) }, nil
}

// OpenDeferred is Open, save that its opening waits at most wait (never
// more than opts.Timeout) for another process's lock, and that a file
// still locked then does not fail it: the Store is returned all the same,
// not opened yet, with the *LockedError (errors.Is ErrLocked), and the
// first of its operations that takes the lock (see FinishOpen) first does
// what Open does under it, the others waiting for it. Until then each
// operation waits for the lock as it would on a Store opened. Any other
// failure (a path refused, a file that is not an outbox, a file bbolt
// cannot read) returns no Store, as Open does; a locked file that is not
// even a bbolt file is refused so too, from its first bytes, read without
// the lock. A daemon that must not run without its outbox (serve) starts
// so when another process (the daemon it replaces, say) still holds the
// file, instead of exiting.
func OpenDeferred(path string, opts Options, wait time.Duration) (*Store, error) {
	s, err := openWithin(path, opts, max(wait, 0))
	switch {
	case err == nil:
		s.release()
		return s, nil
	case s == nil || !errors.Is(err, ErrLocked):
		return nil, err
	}
	if err := notBolt(s.path); err != nil {
		return nil, err
	}
	s.mu.Lock()
	s.due, s.unopened = true, err
	s.mu.Unlock()
	return s, err
}

// Opened returns a channel closed once the Store is opened: at once for
// one Open returned, once the first operation that took the lock has done
// Open's work for one OpenDeferred returned.
func (s *Store) Opened() <-chan struct{} { return s.ready }

// FinishOpen opens the file of a Store OpenDeferred returned, waiting for
// another process's lock up to wait (0: tried once), and does what Open
// does under the lock; it returns nil at once on a Store opened, and the
// opening's error otherwise (*LockedError while the lock is held).
func (s *Store) FinishOpen(wait time.Duration) error {
	select {
	case <-s.ready:
		return nil
	default:
	}
	if _, err := s.acquireWithin(wait); err != nil {
		return err
	}
	s.release()
	return nil
}

// boltMagic is the magic number of a bbolt file's meta page, after the
// page's 16-byte header.
const boltMagic = 0xED0CDAED

// notBolt returns a *CorruptError when the file at path has a first page
// that is no bbolt meta page, read without its lock (another process holds
// it); nil when it is one, or cannot be told (too short, unreadable: the
// opening that takes the lock says).
func notBolt(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return nil
	}
	defer func() { _ = f.Close() }()
	var head [20]byte
	if _, err := io.ReadFull(f, head[:]); err != nil {
		return nil
	}
	if binary.NativeEndian.Uint32(head[16:]) != boltMagic {
		return &CorruptError{Path: path, Err: errors.New("not a bbolt file (its first bytes, read while another process holds its lock)")}
	}
	return nil
}
