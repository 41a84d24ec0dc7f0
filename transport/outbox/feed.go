package outbox

import (
	"errors"
	"fmt"
	"sync"
	"time"

	bolt "go.etcd.io/bbolt"
)

// stallPost is how long a send's POST may go unanswered before the send
// stops holding its storing back (see feed): shorter than the first
// retry wait (1 s by default), far longer than a loopback POST.
const stallPost = 250 * time.Millisecond

// feed carries the records a put stores to the send's POST loop, in
// order. While the posts keep up, it holds one transaction's records with
// their bodies, and the put waits for the loop to take them before it
// hands over the next: storing runs a little ahead of posting, in bounded
// memory. Once a POST stalls (unanswered after stallPost: a backend down,
// its first retry waiting, or one that never answers), fails, or the
// abort fires, the put no longer waits, however the backend behaves: the
// records stored from then on are kept by their ids alone (a
// transaction's are consecutive), their bodies given back, and the loop
// reads them back from the outbox when it reaches them. A process killed
// while the first POST is retried so loses no chunk of its send. Safe for
// concurrent use.
type feed struct {
	mu      sync.Mutex
	cond    sync.Cond
	items   []feedItem
	held    int  // items holding bodies
	stalled bool // the put no longer waits
	closed  bool // the put is done
	// stalls is closed once the feed stalled, for a wait that a stall
	// ends (see storeFirst).
	stalls  chan struct{}
	onStall func()
	drained func() // called once next has returned every item (see whenDrained)
}

// feedItem is one transaction's records with their bodies, or, once the
// feed stalled, their ids alone.
type feedItem struct {
	recs  []Record
	ids   idRuns
	bytes int64 // the sizes of ids' bodies, read back together
}

// feedHeld is the most items holding bodies a feed queues before the put
// waits: one, as the buffered channel it replaces.
const feedHeld = 1

// newFeed returns a feed that calls onStall, when not nil, once it stalls.
func newFeed(onStall func()) *feed {
	f := &feed{onStall: onStall, stalls: make(chan struct{})}
	f.cond.L = &f.mu
	return f
}

// push queues recs, waiting while the loop has not taken the previous
// ones, unless stalled: then their bodies go back to bodies and only their
// ids are queued.
func (f *feed) push(recs []Record, bodies *bufPool) {
	if len(recs) == 0 {
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	for !f.stalled && f.held >= feedHeld {
		f.cond.Wait()
	}
	if f.stalled {
		for _, r := range recs {
			bodies.put(r.Body)
			// Ids join the last item of ids, up to a transaction's
			// worth (maxTxBodies bodies, maxTxBytes): storeFirst pushes
			// one record at a time, and an item is read back in one
			// transaction, or in parts when the send holds fewer free
			// buffers (see nextRecords).
			if k := len(f.items) - 1; k < 0 || f.items[k].recs != nil || f.items[k].ids.n >= maxTxBodies ||
				(f.items[k].ids.n > 0 && f.items[k].bytes+int64(r.Size) > maxTxBytes) {
				f.items = append(f.items, feedItem{})
			}
			last := &f.items[len(f.items)-1]
			last.ids.add(r.ID)
			last.bytes += int64(r.Size)
		}
	} else {
		f.items = append(f.items, feedItem{recs: recs})
		f.held++
	}
	f.cond.Broadcast()
}

// stall lets the put run to its end without waiting for the loop.
func (f *feed) stall() {
	f.mu.Lock()
	first := !f.stalled
	f.stalled = true
	if first {
		close(f.stalls)
	}
	f.cond.Broadcast()
	f.mu.Unlock()
	if first && f.onStall != nil {
		f.onStall()
	}
}

// isStalled reports whether the feed stalled: records pushed from then on
// are kept by their ids alone, their bodies read back by the loop.
func (f *feed) isStalled() bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.stalled
}

// whenDrained has fn called once, when next returns false the first time:
// the send's loop has taken every item, and has posted them.
func (f *feed) whenDrained(fn func()) {
	f.mu.Lock()
	f.drained = fn
	f.mu.Unlock()
}

// close says the put is done: next returns false once the items are taken.
func (f *feed) close() {
	f.mu.Lock()
	f.closed = true
	f.cond.Broadcast()
	f.mu.Unlock()
}

// next returns the next item, waiting for one; false once the put is done
// and every item taken.
func (f *feed) next() (feedItem, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for len(f.items) == 0 && !f.closed {
		f.cond.Wait()
	}
	if len(f.items) == 0 {
		if fn := f.drained; fn != nil {
			f.drained = nil
			fn()
		}
		return feedItem{}, false
	}
	it := f.items[0]
	f.items[0] = feedItem{}
	f.items = f.items[1:]
	if it.recs != nil {
		f.held--
	}
	f.cond.Broadcast()
	return it, true
}

// readBack reads the records ids, stored by this process's send and
// claimed by it, with their bodies, in one read transaction, each body in
// a buffer of bodies (the send's: a body posted goes back there, and the
// next one read back reuses it). Every record
// returned has its ID; when one cannot be read (or its body, or the
// transaction fails), bad is its index and err says why: the records
// from bad on carry no body.
// same, when not nil, tells whether the body read back for ids[i], as
// stored (compressed), is the one this process stored (see storeFirst):
// then its SHA-256 is not computed again.
func (s *Store) readBack(ids []uint64, bodies *bufPool, same func(i int, stored []byte) bool) (recs []Record, bad int, err error) {
	recs = make([]Record, len(ids))
	bad = -1
	err = s.do(false, func(tx *bolt.Tx) error {
		for i, id := range ids {
			var r Record
			var err error
			if s.hooks.readBack != nil {
				err = s.hooks.readBack(id)
			}
			if err == nil {
				r, err = find(tx, id)
			}
			if err == nil && r.Unreadable() {
				err = &RecordError{ID: id, Reason: ReasonCorrupt, Err: r.unreadable.err}
			}
			if err == nil {
				var re *RecordError
				if r.Body, re = readKnown(tx, r, bodies.get, i, same); re != nil {
					err = re
				}
			}
			if err != nil {
				bad = i
				return err
			}
			recs[i] = r
		}
		return nil
	})
	if err != nil {
		if bad < 0 {
			bad = 0
		}
		for i := bad; i < len(ids); i++ {
			recs[i] = Record{ID: ids[i]}
		}
	}
	return recs, bad, err
}

// readKnown is readBody, sparing the SHA-256 of a body same says this
// process stored (its stored bytes checked against a digest it kept: see
// storeFirst); one it does not is read, and checked, as readBody reads it.
func readKnown(tx *bolt.Tx, r Record, alloc func(n int) []byte, i int, same func(i int, stored []byte) bool) ([]byte, *RecordError) {
	if same != nil {
		if v := tx.Bucket(bucketBodies).Get(key(r.ID)); v != nil && same(i, v) {
			if b, err := unpackBody(v, alloc); err == nil && len(b) == r.Size {
				return b, nil
			}
		}
	}
	return readBody(tx, r, alloc)
}

// keepUnread settles rec, a record of this process's send that was stored
// but never posted, since it could not be read back (err says why; see
// lateBodies). Read again, a record or body found corrupt moves to the
// dead list as ReasonCorrupt, as Claim moves it (Rejected, its
// *RecordError); any other stays pending, due now, no attempt counted,
// err its last error (Failed): it was stored durably, and a flush sends
// it. A store error is joined to err; the record may then stay pending
// and owned until its lease ends.
func (s *Store) keepUnread(rec Record, err error, red Redactor) (Outcome, error) {
	msg := s.redact(err.Error(), red) // outside the transaction
	var corrupt *RecordError
	serr := s.do(true, func(tx *bolt.Tx) error {
		corrupt = nil
		r, err := find(tx, rec.ID)
		switch {
		case err != nil:
			return err
		case r.State != Pending:
			return fmt.Errorf("%w: %d is not pending", ErrNotFound, rec.ID)
		}
		if _, berr, dead := s.claimedBody(tx, &r); berr != nil {
			corrupt = berr
			return s.buryCorrupt(tx, &r, berr, dead)
		}
		r.LastError, r.LastStatus, r.NextAttempt = msg, 0, s.opts.Now()
		r.Owner, r.OwnerStart, r.LeaseUntil = 0, 0, time.Time{}
		return put(tx, r)
	})
	s.unclaim(rec.ID)
	switch {
	case serr != nil:
		return Failed, s.redactErr(errors.Join(err, serr), red)
	case corrupt != nil:
		return Rejected, corrupt
	}
	return Failed, s.redactErr(err, red)
}

// nextRecords returns the records the send's loop posts next, waiting
// for them; false once the put is done and every record returned. They
// are the next item's own, or, for an item of ids, those read back from
// the outbox (see records): *unread holds the item's ids not returned yet.
// An item is read back in parts of as many bodies as bodies holds free
// buffers (one at least), each posted (its buffer given back) before the
// next part is read: the bodies read back reuse the buffers the send
// already holds, whatever the timing of the stall. A feed that stalled
// before the put's pipeline filled (the put no longer waiting, each
// transaction's buffers given back at once) holds fewer buffers than an
// item of ids holds bodies (up to a transaction's worth, 8 MiB): read
// whole, the item allocated the difference, five 512 KiB bodies of an
// 8 MiB send.
func (d *Deliverer) nextRecords(f *feed, unread *[]uint64, index int, skip func() bool, late *lateBodies, bodies *bufPool) ([]Record, bool) {
	if len(*unread) == 0 {
		it, ok := f.next()
		switch {
		case !ok:
			return nil, false
		case it.recs != nil:
			return it.recs, true
		}
		*unread = it.ids.list()
	}
	skipped := skip()
	k := len(*unread)
	if !skipped {
		k = min(k, max(bodies.idle(), 1))
	}
	ids := (*unread)[:k]
	*unread = (*unread)[k:]
	return d.records(ids, index, skipped, late, bodies, nil), true
}

// records returns the records ids, read back from the outbox, unless skip
// (the send failed or was aborted: they are not posted, their ids are
// all it needs). A record that cannot be read back fails the send there,
// as its POST would (see lateBodies); index is the first record's place
// in the send; same is readBack's.
func (d *Deliverer) records(ids []uint64, index int, skip bool, late *lateBodies, bodies *bufPool, same func(i int, stored []byte) bool) []Record {
	if skip {
		recs := make([]Record, len(ids))
		for i, id := range ids {
			recs[i] = Record{ID: id}
		}
		return recs
	}
	recs, bad, err := d.Store.readBack(ids, bodies, same)
	if err != nil {
		err = fmt.Errorf("outbox %s: chunk %d read back: %w", d.Store.Path(), index+bad, err)
		for k := bad; k < len(recs); k++ {
			recs[k].ChunkIndex = index + k // unread: its place in the send
			late.fail(recs[k], err)        // none of them is posted without its body
		}
	}
	return recs
}
