package outbox

import (
	"errors"
	"fmt"
	"sync"
	"time"

	bolt "go.etcd.io/bbolt"
)

// Claim takes a pending record for delivery by this process and returns it
// with its body. ok is false when another delivery owns it: a goroutine of
// this process, or another live process (see Busy) whose lease has not
// ended. A body that cannot be read back, or whose SHA-256 is not the one
// recorded, is never handed out: the record moves to the dead list as
// ReasonCorrupt and the error is a *RecordError (errors.Is ErrBodyCorrupt).
// Once Close has started, the error is ErrClosed and nothing is claimed.
func (s *Store) Claim(id uint64) (r Record, ok bool, err error) {
	done, err := s.beginClaim()
	if err != nil {
		return Record{}, false, err
	}
	defer done()
	s.mu.Lock()
	if s.claims[id] {
		s.mu.Unlock()
		return Record{}, false, nil
	}
	s.claims[id] = true // held while the transaction runs
	s.mu.Unlock()
	now := s.opts.Now()
	var corrupt *RecordError
	err = s.do(true, func(tx *bolt.Tx) error {
		corrupt = nil
		var err error
		if r, err = find(tx, id); err != nil {
			return err
		}
		if r.State != Pending {
			return fmt.Errorf("%w: %d is not pending", ErrNotFound, id)
		}
		if s.ownedElsewhere(r) {
			return errOwned
		}
		body, berr, dead := s.claimedBody(tx, &r)
		if berr != nil {
			corrupt = berr
			return s.buryCorrupt(tx, &r, berr, dead)
		}
		s.own(&r, now)
		if err := put(tx, r); err != nil {
			return err
		}
		r.Body = body
		return nil
	})
	if err != nil || corrupt != nil {
		s.unclaim(id)
		switch {
		case errors.Is(err, errOwned):
			return Record{}, false, nil
		case err == nil:
			return Record{}, false, corrupt
		}
		return Record{}, false, err
	}
	s.claimedRetried(id)
	return r, true, nil
}

// claimedRetried notes that record id, perhaps one RetryDead moved back
// for this Store, is claimed: Close gives it back as a claim (see
// giveBack) from now on.
func (s *Store) claimedRetried(id uint64) {
	s.mu.Lock()
	delete(s.retried, id)
	s.mu.Unlock()
}

var errOwned = errors.New("owned by another delivery")

// updateOwn applies change to record id, a pending record no other live
// process owns now (see ownedElsewhere), and writes it back. A record that
// is not pending is ErrNotFound; one another process owns is left as it
// is, and the error is errOwned.
func (s *Store) updateOwn(id uint64, change func(r *Record)) error {
	_, err := s.update(id, func(r *Record) error {
		switch {
		case r.State != Pending:
			return fmt.Errorf("%w: %d is not pending", ErrNotFound, id)
		case s.ownedElsewhere(*r):
			return errOwned
		}
		change(r)
		return nil
	})
	return err
}

// Busy reports whether another delivery owns r (see Claim): a goroutine of
// this Store, or another Store, of this process or another, whose lease
// has not ended and whose process still runs. A process that exited, a
// zombie, and a process that reuses the owner's pid (it started at
// another time) do not own r, nor does a Store of this process that
// closed (Close gives back its claims, see giveBack).
func (s *Store) Busy(r Record) bool {
	s.mu.Lock()
	mine := s.claims[r.ID]
	s.mu.Unlock()
	return mine || s.ownedElsewhere(r)
}

// ownedElsewhere reports whether another Store of a live process holds
// r's lease: one that is not this Store (see mine), though it may be of
// this process, or of another with its pid.
func (s *Store) ownedElsewhere(r Record) bool {
	return r.Owner != 0 && !s.mine(r) && s.opts.Now().Before(r.LeaseUntil) && alive(r.Owner, r.OwnerStart)
}

// mine reports whether r is owned by this Store: its process's pid and
// start time (another container's process may have the same pid), and its
// nonce (another Store of this process, on the same file, has its own: its
// claims are not this Store's to post).
func (s *Store) mine(r Record) bool {
	return r.Owner == s.pid && r.OwnerStart == s.start && r.ownerStore == s.nonce
}

// ownerOf names the owner of r, a record another delivery owns (see
// Busy), as an error names it: 0 when it is this Store, other when it is
// another Store of this process (its pid is this process's: named as
// such, not as the pid of another process).
func (s *Store) ownerOf(r Record) (owner int, other bool) {
	s.mu.Lock()
	own := s.claims[r.ID]
	s.mu.Unlock()
	switch {
	case own || s.mine(r):
		return 0, false
	case r.Owner == s.pid && r.OwnerStart == s.start:
		return r.Owner, true
	}
	return r.Owner, false
}

// body reads and unpacks the body of r (see bodyOf); a body that cannot be
// read back is a *CorruptError naming the file; one that does not match r
// is returned as it unpacks.
func (s *Store) body(tx *bolt.Tx, r Record) ([]byte, error) {
	b, err := bodyOf(r, tx.Bucket(bucketBodies).Get(key(r.ID)), nil)
	var re *RecordError
	if err != nil && (b == nil || !errors.As(err, &re)) {
		return nil, &CorruptError{Path: s.path, Err: fmt.Errorf("body %d: %w", r.ID, err)}
	}
	return b, nil
}

// claimedBody reads the body of r, a record being claimed. A record that
// cannot be read (or its body) gives a *RecordError, and dead, what the
// dead list keeps of an unreadable record: its stored metadata.
func (s *Store) claimedBody(tx *bolt.Tx, r *Record) (body []byte, berr *RecordError, dead string) {
	if r.Unreadable() {
		berr = &RecordError{ID: r.ID, Reason: ReasonCorrupt, Err: r.unreadable.err}
		dead = s.redact(string(r.unreadable.stored), nil)
		r.unreadable = nil
		return nil, berr, dead
	}
	body, berr = readBody(tx, *r, nil)
	return body, berr, ""
}

// buryCorrupt moves r, a pending record whose body (or record) berr says
// cannot be read, to the dead list as ReasonCorrupt, in tx: kept there,
// with its body, for a look at it; dead is what claimedBody keeps of an
// unreadable record.
func (s *Store) buryCorrupt(tx *bolt.Tx, r *Record, berr *RecordError, dead string) error {
	if err := bucketOf(tx, Pending).Delete(key(r.ID)); err != nil {
		return err
	}
	s.bury(r, 0, 0, dead, s.redact(berr.Error(), nil), ReasonCorrupt)
	return put(tx, *r)
}

// readBody reads the body of r and checks it against r: a body that cannot
// be unpacked or does not match is a *RecordError of ReasonCorrupt. alloc
// is unpackBody's.
func readBody(tx *bolt.Tx, r Record, alloc func(n int) []byte) ([]byte, *RecordError) {
	b, err := bodyOf(r, tx.Bucket(bucketBodies).Get(key(r.ID)), alloc)
	var re *RecordError
	switch {
	case errors.As(err, &re):
		return nil, re
	case err != nil:
		return nil, &RecordError{ID: r.ID, Reason: ReasonCorrupt, Err: err}
	}
	return b, nil
}

// Drop removes record id, pending or dead, and its body, unless a delivery
// owns it (see Busy): then nothing is removed and the error is a
// *BusyError naming the owner, whose outcome would otherwise count a body
// that is gone. The check and the removal are one transaction.
func (s *Store) Drop(id uint64) (Record, error) {
	var r Record
	err := s.do(true, func(tx *bolt.Tx) error {
		var err error
		if r, err = find(tx, id); err != nil {
			return err
		}
		if r.State == Pending && s.Busy(r) {
			e := &BusyError{Path: s.path, ID: id}
			e.Owner, e.OtherStore = s.ownerOf(r)
			return e
		}
		var missing []uint64
		return deleteRecords([]removal{{id: id, size: -1}}, &missing)(tx)
	})
	return r, err
}

// renew extends the lease of those of the records ids that are pending
// and this process's (see mine), in one transaction, to a lease from the
// moment it holds the file (in Shared mode, after waiting for its lock):
// a send that held its bodies a long while before posting them (its
// per-target traces) keeps another process's Resender from taking them
// meanwhile. A record another process took over once its lease had ended
// is left to it. until is the lease set, n how many were renewed.
func (s *Store) renew(ids []uint64) (until time.Time, n int, err error) {
	err = s.do(true, func(tx *bolt.Tx) error {
		until = s.opts.Now().Add(s.opts.Lease)
		var err error
		n, err = updatePending(tx, ids, s.mine, func(r *Record) { r.LeaseUntil = until })
		return err
	})
	return until, n, err
}

// leaseToPost returns the lease of r, a record this process put or
// claimed, before its POST: as it is while more than half of it is left,
// else renewed (a body that waited its turn in a long send). ok is false
// when r is no longer this process's: another process took it over once
// its lease had ended (or it is no longer pending), and must not be
// posted. A renewal that fails keeps the lease as it was: keepLease tries
// again while the POST lasts.
func (s *Store) leaseToPost(r Record) (until time.Time, ok bool) {
	if s.opts.Now().Before(r.LeaseUntil.Add(-s.opts.Lease / 2)) {
		return r.LeaseUntil, true
	}
	until, n, err := s.renew([]uint64{r.ID})
	switch {
	case err != nil:
		return r.LeaseUntil, true
	case n == 0:
		return time.Time{}, false
	}
	return until, true
}

// keepLease renews the lease of record id, one this process is posting
// whose lease runs until until, while the POST lasts, until its stop is
// called: half a lease before the lease ends (at once when less than half
// is left: a body stored or claimed a while before its POST), then half a
// lease before the end of each lease renewed. A POST that outlasts the
// lease (its retries, a slow backend) keeps another process's flush,
// resender or retry-dead from taking the record and posting it too. A
// renewal that fails leaves the lease as it was and is tried again an
// eighth of a lease later, Options.LeaseRenewal told of the first failure
// and of the renewal that follows it; once the record is no longer this
// process's (settled, or taken over by another process) renewals end and
// leave it as it is (see renew). stop waits for a renewal in flight: none
// commits once it returned.
func (s *Store) keepLease(id uint64, until time.Time) *leaseKeeper {
	k := &leaseKeeper{s: s, id: id}
	k.mu.Lock()
	defer k.mu.Unlock()
	k.t = time.AfterFunc(k.due(until), k.renew)
	return k
}

// leaseKeeper renews one record's lease while its POST lasts (see
// keepLease): a value of its own rather than closures, since every POST
// has one.
type leaseKeeper struct {
	s        *Store
	id       uint64
	inflight sync.WaitGroup // the renewal running, waited for by stop
	mu       sync.Mutex
	stopped  bool
	failing  bool // the last renewal failed (and LeaseRenewal was told)
	t        *time.Timer
}

// due is how long before the lease running until until is renewed: half a
// lease before it ends, at once when less than half is left.
func (k *leaseKeeper) due(until time.Time) time.Duration {
	return max(0, until.Sub(k.s.opts.Now())-k.s.opts.Lease/2)
}

func (k *leaseKeeper) renew() {
	k.mu.Lock()
	if k.stopped {
		k.mu.Unlock()
		return
	}
	k.inflight.Add(1) // before stop's Wait: stopped is set under mu
	k.mu.Unlock()
	defer k.inflight.Done()
	next, n, err := k.s.renew([]uint64{k.id})
	k.mu.Lock()
	defer k.mu.Unlock()
	if err != nil && !k.failing || err == nil && n > 0 && k.failing {
		k.failing = err != nil
		if k.s.opts.LeaseRenewal != nil {
			k.s.opts.LeaseRenewal(k.id, k.s.redactErr(err, nil))
		}
	}
	switch {
	case k.stopped || err == nil && n == 0:
	case err != nil:
		k.t.Reset(k.s.opts.Lease / 8)
	default:
		k.t.Reset(k.due(next))
	}
}

// stop ends the renewals: the POST is over. It returns once a renewal in
// flight is over.
func (k *leaseKeeper) stop() {
	k.mu.Lock()
	k.stopped = true
	k.t.Stop()
	k.mu.Unlock()
	k.inflight.Wait()
}
