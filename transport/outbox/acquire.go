package outbox

import (
	"errors"
	"time"

	bolt "go.etcd.io/bbolt"
)

// Opening the file. One goroutine opens it at a time, without holding the
// Store's mutex: while it waits for another process's lock (up to the lock
// timeout), this process's other calls of the Store go on (a /metrics
// scrape's counts, a Hold, the bookkeeping of claims and removals under
// the mutex), and those that need the file join the opening in flight
// instead of queueing behind it for a wait of their own: an operation
// waits at most one lock timeout, however many others wait with it.

// opening is an opening of the file in flight.
type opening struct {
	done chan struct{} // closed once it ended; err is set before
	err  error
	wait time.Duration // how long it waits for another process's lock
	// locked is set, before the opening waits, when a first try met
	// another process's lock: the error a caller that does not wait
	// (Hold) takes at once. Guarded by the Store's mu; waiting is closed
	// once it is set.
	locked  error
	waiting chan struct{}
}

// acquire returns the open database, opening it if needed. Each acquire is
// paired with a release.
func (s *Store) acquire() (*bolt.DB, error) { return s.acquireWithin(s.opts.Timeout) }

// acquireWithin is acquire, waiting at most wait for another process's
// lock (0: it is tried once). A caller that finds an opening in flight
// takes its outcome, unless that opening waits less than it would and
// met the lock: it then opens the file itself. One that does not wait
// takes at once the lock the opening in flight is waiting for.
func (s *Store) acquireWithin(wait time.Duration) (*bolt.DB, error) {
	s.mu.Lock()
	for {
		if s.closed {
			s.mu.Unlock()
			return nil, ErrClosed
		}
		if s.db != nil && s.opening == nil && !s.due {
			s.users++
			db := s.db
			s.mu.Unlock()
			return db, nil
		}
		op := s.opening
		if op == nil {
			break
		}
		if wait == 0 && op.locked != nil {
			err := op.locked
			s.mu.Unlock()
			return nil, err
		}
		s.mu.Unlock()
		if wait == 0 {
			select {
			case <-op.done:
			case <-op.waiting: // its first try met the lock: taken above
			}
		} else {
			<-op.done
		}
		s.mu.Lock()
		if op.err != nil && (op.wait >= wait || !errors.Is(op.err, ErrLocked)) {
			s.mu.Unlock()
			return nil, op.err
		}
	}
	op := &opening{done: make(chan struct{}), waiting: make(chan struct{}), wait: wait}
	s.opening = op
	db, due := s.db, s.due // db open already when a deferred opening's work failed (see finishDeferred)
	if db != nil {
		s.users++
	}
	s.mu.Unlock()
	var err error
	if db == nil {
		db, err = s.openWaiting(op)
	}
	if err == nil && due {
		// The first opening of a Store OpenDeferred returned: the others
		// wait for it (s.opening) until its work under the lock is done.
		err = s.finishDeferred(db)
	}
	s.mu.Lock()
	s.opening = nil
	op.err = err
	if s.due {
		// The lock this opening met; none when it failed otherwise (a
		// read would not wait then: see LockWait).
		s.unopened = nil
		if errors.Is(err, ErrLocked) {
			s.unopened = err
		}
	}
	close(op.done)
	s.mu.Unlock()
	if err != nil {
		return nil, err
	}
	return db, nil
}

// openWaiting opens the file for op: once without waiting, then, when
// another process holds its lock and op may wait, waiting up to op.wait
// (the lock noted in op meanwhile). On success the database is the
// Store's, held for the caller (users counted); when Close came
// meanwhile, it is closed again and the error is ErrClosed.
func (s *Store) openWaiting(op *opening) (*bolt.DB, error) {
	db, err := s.openDB(0)
	if errors.Is(err, ErrLocked) && op.wait > 0 {
		s.mu.Lock()
		op.locked = err
		close(op.waiting)
		s.mu.Unlock()
		if s.hooks.waiting != nil {
			s.hooks.waiting()
		}
		db, err = s.openDB(op.wait)
	}
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.db = db
	if s.closed {
		_ = s.closeDB()
		return nil, ErrClosed
	}
	if s.hooks.opened != nil {
		s.hooks.opened()
	}
	s.users++
	return db, nil
}

// finishDeferred does, on db (held), what OpenDeferred could not under the
// lock it met (see whileLockedAtOpen). When it fails, db is let go of
// (closed, in Shared mode or not, once no other user holds it) and the
// next opening tries again.
func (s *Store) finishDeferred(db *bolt.DB) error {
	if err := s.whileLockedAtOpen(db); err != nil {
		s.mu.Lock()
		s.users--
		if s.users == 0 && s.db != nil {
			_ = s.closeDB()
		}
		s.mu.Unlock()
		return err
	}
	s.mu.Lock()
	s.due = false
	s.mu.Unlock()
	close(s.ready)
	return nil
}

func (s *Store) release() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.users--
	if s.users == 0 && s.db != nil && (s.opts.Shared || s.closed) {
		_ = s.closeDB()
	}
}

// LockWait returns the lock of another process that an opening of the
// file in flight is waiting for (a *LockedError, from its first try), or,
// on a Store OpenDeferred returned not opened yet, the lock its last
// opening met (none when that failed otherwise: a file no longer an
// outbox fails a read at once); nil otherwise. It never waits: a caller that must answer at once
// (a /metrics scrape) can tell that a read would wait for the lock.
func (s *Store) LockWait() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.opening != nil && s.opening.locked != nil {
		return s.opening.locked
	}
	if s.due {
		return s.unopened
	}
	return nil
}
