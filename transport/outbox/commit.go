package outbox

import (
	bolt "go.etcd.io/bbolt"
)

// writeOp is one write waiting for a group commit.
type writeOp struct {
	fn   func(*bolt.Tx) error
	err  error
	done chan struct{}
}

// write runs fn in a writable transaction. Writes arriving while another
// commits are grouped into the next transaction, so that concurrent
// deliveries share one fsync instead of queueing for one each. The
// goroutine that finds no commit running leads: it commits the queue
// until it is empty, in its own goroutine, so a panic of bbolt on a
// damaged file is recovered (see tx). An fn that fails is run again alone
// and the others without it, so each caller gets its own error; fn may
// therefore run more than once and must only set what it returns.
func (s *Store) write(db *bolt.DB, fn func(*bolt.Tx) error) error {
	op := &writeOp{fn: fn, done: make(chan struct{})}
	s.wmu.Lock()
	s.queue = append(s.queue, op)
	if s.leading {
		s.wmu.Unlock()
		<-op.done
		return op.err
	}
	s.leading = true
	s.wmu.Unlock()
	for {
		s.wmu.Lock()
		batch := s.queue
		s.queue = nil
		if len(batch) == 0 {
			s.leading = false
			s.wmu.Unlock()
			break
		}
		s.wmu.Unlock()
		s.commit(db, batch)
	}
	<-op.done
	return op.err
}

// commit runs a batch of writes in one transaction.
func (s *Store) commit(db *bolt.DB, batch []*writeOp) {
	for len(batch) > 0 {
		failed := -1
		err := s.tx(db, true, func(tx *bolt.Tx) error {
			for i, op := range batch {
				if err := op.fn(tx); err != nil {
					failed = i
					return err
				}
			}
			return nil
		})
		if err == nil || failed < 0 || len(batch) == 1 {
			// Done, or the commit itself failed: every op shares the outcome.
			for _, op := range batch {
				op.err = err
				close(op.done)
			}
			return
		}
		solo := batch[failed]
		solo.err = s.tx(db, true, solo.fn)
		close(solo.done)
		batch = append(batch[:failed:failed], batch[failed+1:]...)
	}
}
