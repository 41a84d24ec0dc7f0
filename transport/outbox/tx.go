package outbox

import (
	"errors"
	"fmt"
	"runtime/debug"
	"time"

	bolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"
)

// tx runs fn in a transaction, turning a panic of bbolt on a damaged page
// into a *CorruptError. The format mark is fn's to upgrade, when it
// writes what an earlier version would misread (see upgradeMark).
func (s *Store) tx(db *bolt.DB, writable bool, fn func(*bolt.Tx) error) (err error) {
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true)) // see openDB
	defer func() {
		if v := recover(); v != nil {
			err = &CorruptError{Path: s.path, Err: errPageDamaged}
		}
	}()
	if writable {
		err = db.Update(func(tx *bolt.Tx) error {
			if err := fn(tx); err != nil {
				return err
			}
			return keepIndexMarks(tx, s.fileID) // see index.go
		})
	} else {
		err = db.View(fn)
	}
	var ce *CorruptError
	var le *LockedError
	switch {
	case err == nil, errors.As(err, &ce), errors.As(err, &le), errors.Is(err, ErrLocked), errors.Is(err, ErrNotFound), errors.Is(err, ErrFull),
		errors.Is(err, ErrBusy), errors.Is(err, ErrNotDead), errors.Is(err, ErrCorruptEntry), errors.Is(err, ErrNewerFormat),
		errors.Is(err, ErrAmbiguous):
		return err // each names the outbox itself
	case errors.Is(err, berrors.ErrBucketNotFound), errors.Is(err, berrors.ErrIncompatibleValue):
		return &CorruptError{Path: s.path, Err: err}
	}
	return fmt.Errorf("outbox %s: %w", s.path, err)
}

// do runs fn in a transaction on the database, opening it if needed.
func (s *Store) do(writable bool, fn func(*bolt.Tx) error) error {
	return s.doWithin(s.opts.Timeout, writable, fn)
}

// doWithin is do, waiting at most wait for another process's lock.
func (s *Store) doWithin(wait time.Duration, writable bool, fn func(*bolt.Tx) error) error {
	db, err := s.acquireWithin(wait)
	if err != nil {
		return err
	}
	defer s.release()
	if writable {
		return s.write(db, fn)
	}
	return s.tx(db, false, fn)
}
