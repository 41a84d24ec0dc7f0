package outbox

import (
	"fmt"
	"time"
)

// The dead list: records a backend refused for good, or that could not be
// sent (corrupt), kept until retried or dropped.

// MoveToDead moves a pending record to the dead list with the backend's
// status and response body (Options.Secrets redacted from both messages),
// as ReasonRejected.
func (s *Store) MoveToDead(id uint64, attempts int, status int, body, lastErr string) error {
	return s.moveToDead(id, attempts, status, body, lastErr, ReasonRejected)
}

func (s *Store) moveToDead(id uint64, attempts int, status int, body, lastErr, reason string) error {
	body, lastErr = s.redact(body, nil), s.redact(lastErr, nil) // outside the transaction
	_, err := s.update(id, func(r *Record) error {
		if r.State != Pending {
			return fmt.Errorf("%w: %d is not pending", ErrNotFound, id)
		}
		s.bury(r, attempts, status, body, lastErr, reason)
		return nil
	})
	return err
}

// bury sets the fields of a record moved to the dead list; body and
// lastErr are already redacted.
func (s *Store) bury(r *Record, attempts int, status int, body, lastErr, reason string) {
	r.State = Dead
	r.Attempts += attempts
	r.LastError, r.DeadStatus, r.DeadBody = lastErr, status, body
	r.DeadReason, r.DeadAt = reason, s.opts.Now()
	r.Owner, r.OwnerStart, r.LeaseUntil = 0, 0, time.Time{}
}

// RetryDead moves a dead record back to pending, due now. A corrupt one
// (ReasonCorrupt) stays: nothing in it can be sent, Drop removes it.
func (s *Store) RetryDead(id uint64) (Record, error) {
	return s.update(id, func(r *Record) error {
		switch {
		case r.State == Pending:
			// Moved back already (another retry-dead won the race).
			e := &NotDeadError{Path: s.path, ID: id}
			if s.Busy(*r) {
				e.Owner = r.Owner
			}
			return e
		case r.State != Dead:
			return fmt.Errorf("%w: %d is not in the dead list", ErrNotFound, id)
		case r.DeadReason == ReasonCorrupt:
			return fmt.Errorf("%w: %d is corrupt, nothing in it can be sent (remove it with outbox drop)", ErrNotFound, id)
		}
		r.State = Pending
		r.NextAttempt = s.opts.Now()
		r.DeadStatus, r.DeadBody, r.DeadReason, r.DeadAt = 0, "", "", time.Time{}
		return nil
	})
}
