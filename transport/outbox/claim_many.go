package outbox

import (
	"errors"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"
)

// claimed is what Claim returned for one record of a claimMany.
type claimed struct {
	r   Record
	ok  bool
	err error
	// corrupt: the record or its body cannot be read; claimMany leaves
	// it pending, out of its result, for Claim to move to the dead list
	// when the pass reaches it (logged and counted there).
	corrupt bool
}

// claimMany is Claim of each of ids in one transaction: a flush claims the
// bodies it is about to send a window at a time, not one transaction (and,
// in Shared mode, one open of the file) each. The records it could not
// claim are not in s.claims afterwards; those it claimed are, until they
// are settled or given back (see unclaimMany). The error is the
// transaction's (ErrClosed once Close has started: see beginClaim): then
// none is claimed.
func (s *Store) claimMany(ids []uint64) (map[uint64]claimed, error) {
	done, err := s.beginClaim()
	if err != nil {
		return nil, err
	}
	defer done()
	out := make(map[uint64]claimed, len(ids))
	var mine []uint64 // claimed by this call in s.claims
	s.mu.Lock()
	for _, id := range ids {
		if s.claims[id] {
			out[id] = claimed{} // another goroutine of this process delivers it
			continue
		}
		s.claims[id] = true // held while the transaction runs
		mine = append(mine, id)
	}
	s.mu.Unlock()
	now := s.opts.Now()
	got := map[uint64]claimed{}
	err = s.do(true, func(tx *bolt.Tx) error {
		clear(got) // the write may run again (see write)
		for _, id := range mine {
			c, err := s.claimIn(tx, id, now)
			if err != nil {
				return err
			}
			got[id] = c
		}
		return nil
	})
	for _, id := range mine {
		c := got[id]
		if err != nil || !c.ok {
			s.unclaim(id)
		} else {
			s.claimedRetried(id)
		}
		if err == nil && !c.corrupt {
			out[id] = c
		}
	}
	if err != nil {
		return nil, err
	}
	return out, nil
}

// claimIn claims record id in tx, as Claim does, but for a corrupt record,
// left as it is (claimed.corrupt); the error is the transaction's, the
// outcome's is in claimed.err.
func (s *Store) claimIn(tx *bolt.Tx, id uint64, now time.Time) (claimed, error) {
	r, err := find(tx, id)
	switch {
	case errors.Is(err, ErrNotFound):
		return claimed{err: err}, nil
	case err != nil:
		return claimed{}, err
	case r.State != Pending:
		return claimed{err: fmt.Errorf("%w: %d is not pending", ErrNotFound, id)}, nil
	case s.ownedElsewhere(r):
		return claimed{}, nil
	}
	body, berr, _ := s.claimedBody(tx, &r)
	if berr != nil {
		return claimed{corrupt: true}, nil
	}
	s.own(&r, now)
	if err := put(tx, r); err != nil {
		return claimed{}, err
	}
	r.Body = body
	return claimed{r: r, ok: true}, nil
}

// unclaimMany gives back, in one transaction, the records of ids this
// process claimed and did not send: they are no longer owned, their
// attempts, last error and next attempt as they were.
func (s *Store) unclaimMany(ids []uint64) error {
	if len(ids) == 0 {
		return nil
	}
	defer func() {
		for _, id := range ids {
			s.unclaim(id)
		}
	}()
	return s.do(true, func(tx *bolt.Tx) error {
		_, err := updatePending(tx, ids, s.mine,
			func(r *Record) { r.Owner, r.OwnerStart, r.LeaseUntil = 0, 0, time.Time{} })
		return err
	})
}
