package outbox

import (
	"errors"
	"maps"
	"slices"
)

// Close closes the file, once the removals of delivered bodies still in
// flight are committed; records it holds stay pending, those it is not
// posting given back (see giveBack). A removal of delivered bodies that
// failed (not for a lock: that is waited for) is reported here, as an
// *UnremovedError joined to the error of the close, if any, and so is a
// lazy write that failed (a note of a complete, the end of a run's start),
// as an *UnwrittenError: nobody waited for it. The starts of runs still in
// flight are removed (see StartRun): the process did not end because of them.
// A claim (Claim, a Resender's pass, RetryDead, and a put: Put, PutAll,
// PutEach, a Deliverer's) made once Close has started is refused,
// ErrClosed, nothing written; one in flight as it starts is waited for,
// then given back (see beginClaim).
func (s *Store) Close() error {
	s.mu.Lock()
	s.closing = true // no removal is deferred, no claim admitted, from now on
	s.mu.Unlock()
	if s.hooks.closing != nil {
		s.hooks.closing()
	}
	s.flushLazy()
	s.later.Wait()
	unremoved, unwritten := s.unremovedLeft(), s.unwrittenLeft()
	ended := s.EndOpenRuns()
	s.closeAttempts()
	s.taking.Wait()
	s.giveBack()
	if s.hooks.gaveBack != nil {
		s.hooks.gaveBack()
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil
	}
	s.closed = true
	if s.db == nil {
		return errors.Join(unremoved, unwritten, ended)
	}
	return errors.Join(unremoved, unwritten, ended, s.closeDB())
}

// beginClaim admits a claim, a write that makes pending records this
// Store's (Claim, a Resender's claimMany, RetryDead, a put's
// transaction: see putGroup), unless Close has
// started: then the error is ErrClosed, and the claim must write nothing.
// Admitted before, it is waited for by Close (done, called once its
// transaction is over, ends it) before Close gives back what this Store
// holds: no claim is written once the give-back is made, to keep its
// record from every other Store until its lease ends.
func (s *Store) beginClaim() (done func(), err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closing {
		return nil, ErrClosed
	}
	s.taking.Add(1)
	return s.taking.Done, nil
}

// giveBack gives back, as Close ends, the records this Store holds (put
// for its caller to send, claimed by a Resender or Claim, or moved back
// from the dead list by RetryDead and not claimed since) and is not
// posting: no longer owned, their attempts, last error and next attempt
// as they were, so that another Store of this process takes them at once,
// as any Store takes those of a process that ended. A record whose POST is
// still in flight (its attempt noted, its outcome not written) keeps its
// lease until it ends: this Store can no longer settle it, and posted
// meanwhile by another it could go twice. Close calls it once no attempt
// can start any more (see closeAttempts) and no claim is in flight (see
// beginClaim). Nothing is lost when it fails (the file held by another
// process past Timeout, a full disk): the records stay pending, taken
// over once their lease ends, as a live process's; so the failure is not
// reported. A record no longer this Store's (settled, taken over once its
// lease ended) is left as it is (see unclaimMany).
func (s *Store) giveBack() {
	s.attempts.mu.Lock()
	posting := maps.Clone(s.attempts.inflight)
	s.attempts.mu.Unlock()
	s.mu.Lock()
	ids := make([]uint64, 0, len(s.claims)+len(s.retried))
	for id := range s.claims {
		if _, ok := posting[id]; !ok {
			ids = append(ids, id)
		}
	}
	for id := range s.retried {
		if _, ok := posting[id]; !ok && !s.claims[id] {
			ids = append(ids, id)
		}
	}
	clear(s.retried)
	s.mu.Unlock()
	slices.Sort(ids)
	for chunk := range slices.Chunk(ids, maxTxBodies) {
		if s.unclaimMany(chunk) != nil {
			return
		}
	}
}
