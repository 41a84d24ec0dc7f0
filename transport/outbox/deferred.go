package outbox

import (
	"bytes"
	"encoding/binary"
	"errors"
	"maps"
	"slices"
	"time"

	bolt "go.etcd.io/bbolt"
)

// Removals after a 2xx are deferred: a delivering goroutine does not wait
// for the commit that removes its bodies, and that removal rides with the
// commit of the next writes (other deliveries' bodies being stored), or is
// committed alone after lazyDelay when none comes. A crash before that
// commit only leaves delivered bodies pending: they are resent under their
// recorded Idempotency-Key (and a resender that asks the platform first,
// as serve's does, sends nothing for a finished inject). Within this
// process a body whose removal is in flight is gone already: List, Stats
// and Get leave it out, Claim finds it busy, and Close waits for the
// removals in flight.

// maxDeferred is the most bodies of a small delivery; a larger send has
// each batch's removal ride with the commit of its next bodies, and
// commits its last removals before it returns.
const maxDeferred = 64

// deleteLater removes the records gone, delivered, in the background;
// they stay claimed until the removal is committed. A removal that fails
// leaves them pending, to be resent. After Close was called they are
// removed at once.
func (s *Store) deleteLater(gone []removal) { s.deleteLaterWithin(lazyDelay, gone) }

// rideDelay is how long the removals of the bodies a large send posted
// wait for another write's commit before they are committed together
// (see Deliverer.send). Such a send stored its bodies first (see
// storeFirst), so no commit of its own comes while it posts them: with
// lazyDelay the timer committed a removal of a few bodies alone every
// 20 ms (W1 at 1M: about 45 commits of its 170, two fdatasyncs and
// bbolt's freelist written each, more the slower the posts). It is as
// long as a POST may go unanswered before the send stops waiting for it
// (stallPost); a crash meanwhile leaves the bodies delivered since the
// last commit pending, resent under their Idempotency-Key, as the README
// says of a send's accepted bodies.
const rideDelay = stallPost

// deleteLaterWithin is deleteLater, the removal committed alone once wait
// passed with no other write (see writeLaterWithin).
func (s *Store) deleteLaterWithin(wait time.Duration, gone []removal) {
	if len(gone) == 0 {
		return
	}
	s.mu.Lock()
	if s.closing {
		s.mu.Unlock()
		_, _ = s.remove(gone, true) // kept on error (see noteUnremoved)
		return
	}
	if s.deferred == nil {
		s.deferred = map[uint64]int{}
	}
	for _, g := range gone {
		s.deferred[g.id] = g.size
	}
	s.later.Add(1)
	s.mu.Unlock()
	var missing []uint64
	// Their attempts end once their removal is durable, with the other
	// attempts its commit ends (see settleWrites).
	s.writeLaterWithin(wait, deleteRecords(gone, &missing), removalIDs(gone), func(err error) {
		s.noteUnremoved(gone, err)
		s.mu.Lock()
		for _, g := range gone {
			delete(s.deferred, g.id)
			delete(s.claims, g.id)
		}
		s.mu.Unlock()
		s.later.Done()
	})
}

// lockRetry is the pause between two tries of acquireToRemove, bbolt's
// own between two tries of the lock.
const lockRetry = 50 * time.Millisecond

// acquireToRemove is acquire for the removal of bodies the backend
// accepted: a lock another process keeps past Options.Timeout is waited
// for again, never given up on, since a delivered body left pending would
// be posted again by the next flush. Every process that shares the file
// holds it for one operation at a time, so the wait ends.
func (s *Store) acquireToRemove() (*bolt.DB, error) {
	for said := false; ; said = true {
		db, err := s.acquire()
		if !errors.Is(err, ErrLocked) {
			return db, err
		}
		if s.hooks.locked != nil {
			s.hooks.locked()
		}
		if !said && s.opts.RemovalWaits != nil {
			s.opts.RemovalWaits(s.path)
		}
		time.Sleep(lockRetry)
	}
}

// noteUnremoved keeps, for Close to report, the delivered bodies gone
// whose removal failed with err (nil: it did not); they stay pending, and
// a resend posts them again under their Idempotency-Key, unless a later
// removal (a failed put's, which removes what it stored) takes them out.
func (s *Store) noteUnremoved(gone []removal, err error) {
	if err == nil {
		return
	}
	s.mu.Lock()
	if s.unremoved == nil {
		s.unremoved = map[uint64]bool{}
	}
	for _, g := range gone {
		s.unremoved[g.id] = true
	}
	s.unremovedErr = err
	s.mu.Unlock()
}

// unremovedLeft is what Close reports of the delivered bodies whose
// removal failed: an *UnremovedError naming those the file still holds,
// nil when it holds none (a later removal took them out: a failed put
// removes every body it stored, delivered or not). When the file cannot
// be read, all of them are named.
func (s *Store) unremovedLeft() error {
	s.mu.Lock()
	ids := slices.Sorted(maps.Keys(s.unremoved))
	cause := s.unremovedErr
	s.mu.Unlock()
	if len(ids) == 0 {
		return nil
	}
	var left []uint64
	err := s.do(false, func(tx *bolt.Tx) error {
		left = left[:0]
		for _, id := range ids {
			_, err := find(tx, id)
			switch {
			case err == nil:
				left = append(left, id)
			case !errors.Is(err, ErrNotFound):
				return err
			}
		}
		return nil
	})
	if err != nil {
		left = ids
	}
	if len(left) == 0 {
		return nil
	}
	return &UnremovedError{Path: s.path, N: len(left), IDs: left, Err: cause}
}

// deferredNow returns the records whose removal is in flight, with the
// sizes their removals name, nil when there are none. It is taken before
// a read transaction starts: an id leaves the set only after its removal
// is committed, so a record the transaction still sees is in the set.
func (s *Store) deferredNow() map[uint64]int {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.deferred) == 0 {
		return nil
	}
	return maps.Clone(s.deferred)
}

// withoutDeferred leaves out of recs those whose removal is in flight.
func withoutDeferred(recs []Record, gone map[uint64]int) []Record {
	if gone == nil {
		return recs
	}
	return slices.DeleteFunc(recs, func(r Record) bool { _, ok := gone[r.ID]; return ok })
}

// countDeferred subtracts from st the records of gone that tx still holds.
// A record still pending whose removal names its size (that of the record
// its caller stored pending, as deleteRecords trusts) is not decoded.
// The ids are looked up in order with one cursor: bbolt's Get allocates
// a cursor each.
func countDeferred(tx *bolt.Tx, st *Stats, gone map[uint64]int) error {
	pending := bucketOf(tx, Pending).Cursor()
	var k [8]byte
	for _, id := range slices.Sorted(maps.Keys(gone)) {
		binary.BigEndian.PutUint64(k[:], id)
		if size := gone[id]; size >= 0 {
			if found, _ := pending.Seek(k[:]); bytes.Equal(found, k[:]) {
				st.Pending--
				st.Bytes -= int64(size)
				continue
			}
		}
		r, err := find(tx, id)
		switch {
		case errors.Is(err, ErrNotFound):
			continue
		case err != nil:
			return err
		case r.State == Dead:
			st.Dead--
		default:
			st.Pending--
		}
		st.Bytes -= int64(r.Size)
	}
	return nil
}
