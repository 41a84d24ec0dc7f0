package outbox

import "sync"

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
