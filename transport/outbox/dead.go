package outbox

import (
	"context"
	"errors"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/injectkit/injectkit/transport"
)

// The dead list: records a backend refused for good, or that could not be
// sent (corrupt), kept until retried or dropped.

// MoveToDead moves a pending record to the dead list with the backend's
// status and response body (Options.Secrets redacted from both messages),
// as ReasonRejected. A record another live process took over meanwhile
// (this one's lease ended: see Claim) is that process's to settle: it is
// left as it is, pending, its claim kept, and the error is nil.
func (s *Store) MoveToDead(id uint64, attempts int, status int, body, lastErr string) error {
	if err := s.moveToDead(id, attempts, status, body, lastErr, ReasonRejected); !errors.Is(err, errOwned) {
		return err
	}
	return nil
}

// moveToDead is MoveToDead as reason: a record another live process owns
// now (see ownedElsewhere) is left as it is, and the error is errOwned.
func (s *Store) moveToDead(id uint64, attempts int, status int, body, lastErr, reason string) (err error) {
	body, lastErr = s.redact(body, nil), s.redact(lastErr, nil) // outside the transaction
	defer s.endSettled(id, &err)
	return s.updateOwn(id, func(r *Record) {
		s.bury(r, attempts, status, body, lastErr, reason)
	})
}

// bury sets the fields of a record moved to the dead list; body and
// lastErr are already redacted.
func (s *Store) bury(r *Record, attempts int, status int, body, lastErr, reason string) {
	r.State = Dead
	r.Attempts += attempts
	r.LastError, r.LastStatus, r.DeadStatus, r.DeadBody = lastErr, status, status, body
	r.DeadReason, r.DeadAt = reason, s.opts.Now()
	r.Owner, r.OwnerStart, r.LeaseUntil = 0, 0, time.Time{}
}

// RetryDead moves a dead record back to pending, due now, owned by this
// process for a lease (as Claim owns it), so that no other process's
// flush or resend takes it before this one sends it (Claim, then
// SendRetried); a process that exits leaves it to them. A corrupt one
// (Record.Corrupt: ReasonCorrupt, or one whose stored metadata cannot be
// read or whose fields disagree on where its body goes, pending or dead)
// stays, a *CorruptEntryError: nothing in it can
// be sent, Drop removes it; but
// one whose body reads back and matches its record (see misjudged) is an
// ordinary dead body. Once Close has started, the error is ErrClosed and
// nothing is moved; a record moved back and not claimed when this Store
// closes is given back (see giveBack): pending, due, another Store's to
// send at once.
func (s *Store) RetryDead(id uint64) (Record, error) {
	done, err := s.beginClaim()
	if err != nil {
		return Record{}, err
	}
	defer done()
	r, err := s.updateTx(id, func(tx *bolt.Tx, r *Record) error {
		switch {
		case r.Unreadable(), r.RouteDamaged() != nil:
			// Pending or dead, nothing in it can be sent.
			return &CorruptEntryError{Path: s.path, ID: id}
		case r.State == Pending:
			// Moved back already (another retry-dead won the race).
			e := &NotDeadError{Path: s.path, ID: id}
			if s.Busy(*r) {
				e.Owner, e.OtherStore = s.ownerOf(*r)
			}
			return e
		case r.State != Dead:
			return fmt.Errorf("%w: %d is not in the dead list", ErrNotFound, id)
		case r.DeadReason == ReasonCorrupt && !misjudged(tx, *r):
			return &CorruptEntryError{Path: s.path, ID: id}
		case r.DeadReason == ReasonCorrupt:
			// An earlier version could not read it: pending again, it
			// would misread it again (see upgradeMark).
			if err := s.upgradeMark(tx); err != nil {
				return err
			}
		}
		r.State = Pending
		r.NextAttempt = s.opts.Now()
		s.own(r, r.NextAttempt)
		r.DeadStatus, r.DeadBody, r.DeadReason, r.DeadAt = 0, "", "", time.Time{}
		return nil
	})
	if err == nil {
		s.mu.Lock()
		if !s.claims[id] {
			s.retried[id] = true
		}
		s.mu.Unlock()
	}
	return r, err
}

// misjudged reports whether r, in the dead list as corrupt, holds a body
// that reads back and matches it: one moved there by an earlier version
// that could not read how a later one stored it (an S2 body, for a version
// of the deflate era), or by a version that took a body of the first
// outbox, stored verbatim, for a damaged one. The body must match the
// record's SHA-256 or, recorded without one, its Idempotency-Key: a record
// whose metadata could not be read, moved there by Claim, keeps nothing
// but its body's size to check it against, and nothing to send it with.
func misjudged(tx *bolt.Tx, r Record) bool {
	if r.State != Dead || r.DeadReason != ReasonCorrupt || r.Unreadable() {
		return false
	}
	body, re := readBody(tx, r, nil)
	return re == nil && (r.SHA256 != "" || r.IdempotencyKey == transport.IdempotencyKey(r.InjectID, r.Phase, r.ChunkIndex, body))
}

// SendRetried sends r, a dead record RetryDead moved back to pending (was
// is the record as it was in the dead list, read before), as Send does,
// except that a backend refusing the token (401 or 403, TokenRefused)
// refuses the token, not the body, and an attempt that could not be noted
// beside the outbox (a full disk: NotNoted, no request made) sends
// nothing: either way the record goes back to the dead list as it was
// (its reason, status, response body, attempts and last error), and the
// outcome is Failed with that error. It is put back only while this
// process still owns it (or, unnoted, holds it released and unclaimed,
// or still its own when the release could not be written):
// one another process took meanwhile (its lease over) is that process's
// to settle, and the error says so.
func (s *Store) SendRetried(ctx context.Context, p Poster, r Record, was Record) (Outcome, error) {
	out, posted, err := s.post(ctx, p, r)
	red, _ := p.(Redactor)
	switch {
	case !posted && unnoted(err):
		return Failed, s.putBackDead(r, was, err, true)
	case !posted:
		return out, err
	case !TokenRefused(err) || ctx.Err() != nil:
		return s.settle(ctx, r, err, 0, red, true)
	}
	return Failed, s.putBackDead(r, was, s.redactErr(err, red), false)
}

// putBackDead moves r back to the dead list as was, after err (returned,
// joined with what kept it from being put back). released is r let go by
// this process already (unposted): unowned then, or still owned by it
// when its release could not be written (the disk full for that commit
// too), not owned by another.
func (s *Store) putBackDead(r Record, was Record, err error, released bool) error {
	_, serr := s.update(r.ID, func(cur *Record) error {
		ours := s.mine(*cur)
		switch {
		case cur.State != Pending:
			return fmt.Errorf("%w: it is in the dead list again", ErrTakenMeanwhile)
		case released && cur.Owner != 0 && !ours:
			return fmt.Errorf("%w: it is pid %d's to send", ErrTakenMeanwhile, cur.Owner)
		case !released && !ours:
			return fmt.Errorf("%w: it is pid %d's to send", ErrTakenMeanwhile, cur.Owner)
		}
		cur.State = Dead
		cur.Attempts, cur.LastError, cur.LastStatus, cur.NextAttempt = was.Attempts, was.LastError, was.LastStatus, was.NextAttempt
		cur.DeadStatus, cur.DeadBody, cur.DeadReason, cur.DeadAt = was.DeadStatus, was.DeadBody, was.DeadReason, was.DeadAt
		cur.Owner, cur.OwnerStart, cur.LeaseUntil = 0, 0, time.Time{}
		return nil
	})
	if !released {
		s.endSettled(r.ID, &serr)
	}
	switch {
	case errors.Is(serr, ErrNotFound):
		serr = fmt.Errorf("%w: it is no longer in the outbox (delivered)", ErrTakenMeanwhile)
		fallthrough
	case errors.Is(serr, ErrTakenMeanwhile):
		return errors.Join(err, fmt.Errorf("outbox %s: %d not put back in the dead list: %w", s.path, r.ID, serr))
	case serr != nil:
		return errors.Join(err, fmt.Errorf("outbox %s: %d not put back in the dead list, pending instead: %w", s.path, r.ID, serr))
	}
	return err
}
