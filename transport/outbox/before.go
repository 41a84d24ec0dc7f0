package outbox

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"time"
)

// Bodies stored whole before the first is posted: those of more than one
// transaction (oneTx), as the next ones would be stored only as the posts
// keep up, and a process killed at the first POST of a large send lost
// every chunk not stored yet; and bodies that follow other posts
// (Bodies.Before). The openaev profile
// sends one trace per target before its terminal callback, thousands of
// POSTs for a large inject: were they sent before the bodies are stored,
// a process killed meanwhile would lose the terminal callback, its
// signatures and the inject's completion, with nothing in the outbox to
// say so. So the bodies are all stored (fsync'd) first, Before posts next,
// and the stored bodies are posted last: a kill during Before leaves them
// all pending, for a flush, which loses only what Before did not send.
// The bodies are not held in memory meanwhile: Seq is read again, and
// each body checked against the SHA-256 stored with it (the stored body is
// read back, and posted, should they differ).

// lateBodies is what storeFirst and the read-back of a stalled send tell
// the send's POST loop of the bodies they could not read back: each
// record's error, the failure of its POST. The first one the loop reaches
// fails the send; all are kept, since they need not come in send order (a
// record of a later item can fail before an earlier item is read back),
// and a record without its body must never be posted.
type lateBodies struct {
	mu   sync.Mutex
	errs map[uint64]error
}

// fail records err as the failure of rec, unless one is recorded for it.
func (l *lateBodies) fail(rec Record, err error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.errs == nil {
		l.errs = map[uint64]error{}
	}
	if _, ok := l.errs[rec.ID]; !ok {
		l.errs[rec.ID] = err
	}
}

// failure returns the error of rec's body when it could not be read
// back, else nil.
func (l *lateBodies) failure(rec Record) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.errs[rec.ID]
}

// storeFirst stores every body of b, then calls stored (when not nil) and
// b.Before (unless aborted),
// then hands the records to f, in order, each with its body read
// again from b, for the send's POST loop to post (see above). Once settled
// (a body failed) or aborted, the records left are handed over without
// their bodies, which the loop does not post. It returns the store's
// error: then nothing is stored, and nothing handed over.
func (d *Deliverer) storeFirst(ctx context.Context, b Bodies, bodies *bufPool, f *feed, late *lateBodies,
	aborted func() bool, settled *atomic.Bool, stored func()) error {
	seq, owned := b.Seq, b.SeqInto != nil
	if owned {
		seq = b.SeqInto(bodies.get)
	}
	// The file stays open from the put to the last body handed over, as
	// a put posted from holds it (see hold): let go of in between, in
	// Shared mode (`run`), each operation of the POST loop (the lease,
	// the attempt, the removals) opened and closed the file, and each
	// closing once half of it was free compacted it, copying the bodies
	// not posted yet: four copies of a million-target send, 200 MB
	// allocated, 0.4 s of CPU. A Before hook lets go of it while it
	// posts (a long while): another process may use the file meanwhile.
	held := hold{s: d.Store}
	defer held.drop()
	// The records handed back as each transaction commits are kept, but
	// not their bodies: they are built again to be posted.
	recs := make([]Record, 0, b.N)
	_, err := d.Store.put(b.N, b.Size, seq, maxTxBytes, func(stored []Record) {
		for _, r := range stored {
			bodies.put(r.Body)
			r.Body = nil
			recs = append(recs, r)
		}
		if len(recs) == b.N && b.Before == nil {
			held.tryTake() // open: the put holds it
		}
	}, bodies, owned)
	if err != nil {
		return err
	}
	if stored != nil {
		stored()
	}
	if b.Before != nil && !aborted() {
		b.Before(ctx)
		held.tryTake()
		// Their leases started as they were stored: they run again from
		// the end of the traces, however long those took. Should this
		// fail, the leases stay as they were: another process may then
		// resend a body this one posts, under the same Idempotency-Key.
		ids := make([]uint64, len(recs))
		for i, r := range recs {
			ids[i] = r.ID
		}
		if until, _, err := d.Store.renew(ids); err == nil {
			for i := range recs {
				recs[i].LeaseUntil = until // renewed from here while posted (see keepLease)
			}
		}
	}
	seq = b.Seq
	if owned {
		seq = b.SeqInto(bodies.get)
	}
	i := 0
	for e := range seq {
		if i == len(recs) || aborted() || settled.Load() {
			break
		}
		rec := recs[i]
		i++
		rec.Body = e.Body
		if !owned {
			rec.Body = bodies.clone(e.Body)
		}
		if checkBody(rec, rec.Body) != nil {
			// Not the body stored: the stored one is what is posted.
			bodies.put(rec.Body)
			rec.Body = nil
			if got, gerr := d.Store.Get(rec.ID); gerr == nil {
				rec.Body = got.Body
			} else {
				late.fail(rec, fmt.Errorf("outbox %s: chunk %d read back: %w", d.Store.Path(), rec.ChunkIndex, gerr))
			}
		}
		// Let go of while the loop is slow to take it (a POST retried):
		// taken again for the next one.
		held.tryTake()
		t := time.AfterFunc(stallDelay, held.drop)
		f.push([]Record{rec}, bodies)
		t.Stop()
	}
	for k, rec := range recs[i:] {
		// Not posted: waiting (settled) or cut (aborted), or, read back
		// short, the first fails the send.
		if k == 0 {
			late.fail(rec, fmt.Errorf("outbox %s: chunk %d of %d not read back: %d bodies read again, %d stored",
				d.Store.Path(), rec.ChunkIndex, b.N, i, len(recs)))
		}
		f.push([]Record{rec}, bodies)
	}
	return nil
}

// oneTx reports whether the put of b commits in one transaction: a send
// of more is stored whole before its first body is posted (storeFirst).
func oneTx(b Bodies) bool {
	return b.Size <= firstTxBytes && b.N <= maxTxBodies
}
