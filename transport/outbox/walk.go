package outbox

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"
)

// Walking an outbox of many bodies. List returns every record at once, in
// one transaction holding the file's lock: a million bodies a week of
// refusals left took a minute and 3 GiB to list, a writer (serve, run)
// waiting on the lock all that time. Walk hands the records over one at a
// time, a page of them per transaction, the lock let go between pages;
// DropWhere removes, a page per transaction, those a rule picks.

// A page of Walk is at least walkPage records, read for walkSpan at most
// once it holds them, and walkMax at most (its memory): each transaction
// of a Store opened Shared opens the file again and checks its pages (half
// a second for a file of a million bodies), so a page of a few thousand
// records spent most of a walk opening the file, and one of a second's
// reading holds the lock for about that long. DropWhere removes walkPage
// records a transaction.
//
// Between two pages of a Store opened Shared the lock is let go for
// walkGap: a process waiting for it (bbolt tries the lock every 50 ms)
// otherwise found it held again at each try, and gave up after its
// --outbox-lock-timeout while a listing read on.
const (
	walkPage = 4096
	walkMax  = 1 << 16
	walkSpan = time.Second
	walkGap  = 120 * time.Millisecond
)

// between lets go of the file between two pages (see walkGap).
func (s *Store) between() {
	if s.opts.Shared {
		time.Sleep(walkGap)
	}
}

// ErrStopWalk, returned by Walk's fn, ends the walk without an error.
var ErrStopWalk = errors.New("outbox: walk stopped")

// errWalkStopped ends a page's transaction when the walk's context ended.
var errWalkStopped = errors.New("outbox: walk's context ended")

// walkCheck is how many records a page reads between two looks at the
// walk's context: a page may read for walkSpan, and an operator's Ctrl-C
// stops a listing at once, not a second later.
const walkCheck = 256

// Walk calls fn with each record, pending then dead, each by id, without
// its body, as List lists them, until fn returns an error: ErrStopWalk
// ends the walk and Walk returns nil; another error is returned as it is.
// The records are read a page at a time, each page in a transaction of
// its own, so that a process storing or sending waits for one page at
// most: a record stored, settled or moved to the dead list meanwhile may
// be walked in its new state, in its old one, or not at all (one that was
// already pending and still is is walked once). ctx ending stops the walk
// at once, between two records, even within a page: Walk returns an error
// wrapping ctx's cause, fn having been called with the records before.
func (s *Store) Walk(ctx context.Context, fn func(Record) error) error {
	stopped := func() error {
		return fmt.Errorf("outbox %s: walk stopped: %w", s.path, context.Cause(ctx))
	}
	gone := s.deferredNow()
	var ended map[uint64][]interruptedAttempt
	if s.opts.ReadOnly {
		_, cut, _ := s.endedSending()
		ended = make(map[uint64][]interruptedAttempt, len(cut))
		for _, c := range cut {
			ended[c.id] = append(ended[c.id], c)
		}
	}
	// One page's records, its array reused from page to page: a page
	// made anew grew by doubling from walkPage to walkMax records, each
	// growth copying the records read so far (a fifth of a walk's CPU).
	buf := make([]Record, 0, walkPage)
	for _, st := range []State{Pending, Dead} {
		var after []byte // the last key walked in this state
		for {
			if ctx.Err() != nil {
				return stopped()
			}
			page, last, more := buf[:0], []byte(nil), false
			err := s.do(false, func(tx *bolt.Tx) error {
				page, last, more = page[:0], nil, false // a transaction may be run again
				c := bucketOf(tx, st).Cursor()
				k, v := c.First()
				if after != nil {
					if k, v = c.Seek(after); bytes.Equal(k, after) {
						k, v = c.Next()
					}
				}
				least, most, start := walkPage, walkMax, time.Now()
				if s.hooks.page > 0 {
					least, most = s.hooks.page, s.hooks.page
				}
				for ; k != nil && len(page) < most && (len(page) < least || time.Since(start) < walkSpan); k, v = c.Next() {
					if len(page)%walkCheck == walkCheck-1 && ctx.Err() != nil {
						return errWalkStopped
					}
					r := readRecord(tx, k, v, st)
					if misjudged(tx, r) {
						r.DeadReason = "" // as List
					}
					page, last = append(page, r), bytes.Clone(k)
				}
				more = k != nil // false once the bucket was read to its end
				return nil
			})
			switch {
			case errors.Is(err, errWalkStopped):
				return stopped()
			case err != nil:
				return err
			}
			buf = page[:0]
			if len(page) == 0 {
				break
			}
			after = last
			for _, r := range page {
				if _, removed := gone[r.ID]; removed {
					continue
				}
				for _, c := range ended[r.ID] {
					s.countInterrupted(&r, c)
				}
				if ctx.Err() != nil {
					return stopped()
				}
				if err := fn(r); err != nil {
					if errors.Is(err, ErrStopWalk) {
						return nil
					}
					return err
				}
			}
			if !more {
				break
			}
			s.between()
		}
	}
	return nil
}
