package outbox

import (
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/injectkit/injectkit/runtime"
	bolt "go.etcd.io/bbolt"
)

// holdBack marks the bodies stored after a failed one as waiting with it,
// no longer owned by this process, and signals Failed. A body no longer
// in the outbox is not counted as kept.
func (d *Deliverer) holdBack(se *runtime.StoredError, failedAt Record, rest []uint64) {
	next := d.Store.opts.Now()
	if f, err := d.Store.Get(failedAt.ID); err == nil && f.State == Pending {
		next = f.NextAttempt
	}
	msg := fmt.Sprintf("not sent: chunk %d of the same send failed", failedAt.ChunkIndex)
	kept, err := d.Store.markWaiting(rest, msg, next)
	se.Pending += kept
	if err != nil {
		se.Err = errors.Join(se.Err, err)
	}
	if d.Failed != nil {
		select {
		case d.Failed <- struct{}{}:
		default:
		}
	}
}

// markWaiting is MarkFailed (no attempt made) of the pending records ids,
// a put's worth at a time: at most maxTxBodies records per transaction,
// the file opened once for them all. One transaction (and, in Shared
// mode, one open of the file) per record made a 100 000-body send whose
// first body failed take minutes to return. It returns how many it
// marked: a record no longer in the outbox, or no longer pending, is
// left as it is and not counted; one another live process took over
// meanwhile (see MarkFailed) is left as it is, that process's claim kept,
// and counted (it stays pending); after a failure, the records not marked
// are counted (they stay stored, pending, owned by this process until its
// lease ends) and the error is returned.
func (s *Store) markWaiting(ids []uint64, lastErr string, next time.Time) (int, error) {
	if len(ids) == 0 {
		return 0, nil
	}
	defer func() {
		for _, id := range ids {
			s.unclaim(id)
		}
	}()
	lastErr = s.redact(lastErr, nil) // outside the transactions
	db, err := s.acquire()
	if err != nil {
		return len(ids), err
	}
	defer s.release()
	kept, done := 0, 0
	for chunk := range slices.Chunk(ids, maxTxBodies) {
		marked, elsewhere := 0, 0
		err := s.write(db, func(tx *bolt.Tx) error {
			var err error // the write may run again (see write): the counts are set anew
			elsewhere = 0
			mine := func(r Record) bool {
				if s.ownedElsewhere(r) {
					elsewhere++
					return false
				}
				return true
			}
			marked, err = updatePending(tx, chunk, mine, func(r *Record) {
				r.LastError, r.LastStatus, r.NextAttempt = lastErr, 0, next
				r.Owner, r.OwnerStart, r.LeaseUntil = 0, 0, time.Time{}
			})
			return err
		})
		if err != nil {
			return kept + len(ids) - done, err
		}
		kept += marked + elsewhere
		done += len(chunk)
	}
	return kept, nil
}

// MarkFailed records a failed delivery of a pending record: attempts more
// requests made, the last error (Options.Secrets redacted), and when to
// try next. The record is no longer owned. A record another live process
// took over meanwhile (this one's lease ended: see Claim) is that
// process's to settle: it is left as it is, its claim kept, and the
// error is nil. Its LastStatus is 0: no answer of the backend is known.
func (s *Store) MarkFailed(id uint64, attempts int, lastErr string, next time.Time) error {
	return s.markAnswered(id, failedAttempts{n: attempts}, 0, lastErr, next)
}

// failedAttempts are the attempts of a failed delivery: n requests made,
// unanswered of them without an answer once sent (Record.Unanswered).
// other says they sent its content in another form (InOtherForm);
// keepNote that requests made are counted later (by noteInterrupted),
// the note of the attempt kept until then (see startAttempt).
type failedAttempts struct {
	n, unanswered int
	other         bool
	keepNote      bool
}

// markAnswered is MarkFailed of a record whose last error is the
// backend's answer status (0: none), unanswered of its attempts without
// an answer.
func (s *Store) markAnswered(id uint64, attempts failedAttempts, status int, lastErr string, next time.Time) error {
	if err := s.markFailed(id, attempts, status, lastErr, next); !errors.Is(err, errOwned) {
		return err
	}
	return nil
}

// markFailed is markAnswered: a record another live process owns now
// (see ownedElsewhere) is left as it is, and the error is errOwned.
func (s *Store) markFailed(id uint64, attempts failedAttempts, status int, lastErr string, next time.Time) (err error) {
	lastErr = s.redact(lastErr, nil) // outside the transaction
	if !attempts.keepNote {
		defer s.endSettled(id, &err)
	}
	return s.updateOwn(id, func(r *Record) {
		r.Attempts += attempts.n
		if attempts.other {
			r.UnansweredOther += attempts.unanswered
		} else {
			r.Unanswered += attempts.unanswered
		}
		r.LastError, r.LastStatus, r.NextAttempt = lastErr, status, next
		r.Owner, r.OwnerStart, r.LeaseUntil = 0, 0, time.Time{}
	})
}
