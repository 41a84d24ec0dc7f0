package outbox

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"iter"
	"sync/atomic"
	"time"

	"github.com/injectkit/injectkit/internal/httpx"
	"github.com/injectkit/injectkit/runtime"
)

// Profile is a wire profile a Deliverer makes durable: it encodes a report
// into the bodies to send, and posts one stored body. A Profile that is a
// KeyedPoster posts each body under the Idempotency-Key stored with it; one
// that is a Redactor has its secrets removed from what the outbox keeps. A
// Profile that is a runtime.Receiver is called through the Deliverer. An
// error from Bodies means the report must not be delivered (invalid, or,
// for the openaev profile within a serve daemon, serve.ErrRequeued: its
// message went back to the queue): Deliver returns it, nothing stored,
// nothing posted; RejectionBodies likewise.
type Profile interface {
	Poster
	Bodies(ctx context.Context, r *runtime.Report) (Bodies, error)
}

// RejectionProfile is a Profile whose refusals (runtime.Rejecter) send
// bodies too, kept like a report's: the openaev profile's terminal
// INVALID_USAGE callback. RejectionBodies does what must come first (the
// openaev reception) and returns the bodies; none when there is nothing to
// send.
type RejectionProfile interface {
	Profile
	RejectionBodies(ctx context.Context, r *runtime.Rejection) (Bodies, error)
}

// Bodies are the bodies of one delivery, in the order they are sent.
type Bodies struct {
	N    int   // how many
	Size int64 // their bytes in all: the room they need in the outbox
	// Seq yields the N entries in order. An entry's Body may be reused
	// once the next one is asked for (it is copied as it is stored).
	Seq iter.Seq[Entry]
	// Unsent, when not nil, returns the signature targets the backend
	// does not get when the bodies from index from on are not delivered,
	// encoded as the profile sends them, for an *UnstoredError to name
	// (none: empty, not nil).
	Unsent func(from int) []json.RawMessage
	// SeqInto, when not nil, is Seq writing each body into a buffer from
	// alloc (of n bytes' capacity or more) and handing it over: the
	// outbox posts the bodies it stored without copying them. Seq is
	// still what a send without storing iterates.
	SeqInto func(alloc func(n int) []byte) iter.Seq[Entry]
	// Before, when not nil, posts what must reach the backend before the
	// bodies but that the outbox does not keep (the openaev per-target
	// traces): it runs once every body is stored, before the first is
	// posted (see storeFirst), or before the first body sent without
	// being stored; not once the abort fired. Its ctx ends with the abort.
	Before func(ctx context.Context)
}

// One returns the Bodies of a single entry.
func One(e Entry) Bodies {
	return Bodies{N: 1, Size: int64(len(e.Body)), Seq: func(yield func(Entry) bool) { yield(e) }}
}

// Deliverer is the durable decorator of a wire profile, for every command
// and both profiles: every body is stored, and the store fsync'd, before
// its first POST; a body leaves the outbox once the backend answered 2xx
// (its removal is committed in the background, see the package doc).
// A body not accepted stays (pending, or dead when the backend rejected it
// for good; a 401 or 403 refuses the token, not the body, which stays
// pending for a resend with the right one) and Deliver returns a *runtime.StoredError saying how many:
// from then on the result survives a crash, and the queue message that
// brought the inject may be acknowledged while some are pending. A
// Resender or `injectkit outbox flush` sends them later, byte for byte.
type Deliverer struct {
	Profile Profile
	Store   *Store
	// MaxBackoff caps the wait before the next attempt of a failed body
	// (default MaxBackoff).
	MaxBackoff time.Duration
	// Failed, when not nil, receives (without blocking) after a body was
	// kept, for example to wake a Resender.
	Failed chan<- struct{}
	// Unstored, when not nil, is told of a delivery (a report's, or a
	// rejection's) the outbox fails to store (why: a *FullError, no room
	// for it; a *HeldByOlderError, a process of an earlier version sends
	// from it; a *LockedError, its lock held by another process past
	// Options.Timeout; a full disk, whatever the store's error), by its
	// inject id: its bodies the backend did not accept before the failure
	// (Bodies.Seq iterated again, those accepted skipped) are then posted
	// without being stored, in order, up to the first failure, or until
	// the abort fires (one that Is ErrAborted); Deliver or Rejected
	// returns either as an *UnstoredError naming the bodies delivered
	// before it (nothing is stored). Without it, they return the
	// *UnstoredError of the failed put.
	Unstored func(injectID string, why error)
	// Sized, when not nil, is told the bytes of each delivery's bodies
	// (Bodies.Size: the room it needs in the outbox) before they are
	// stored, with the delivery's context, for a caller that reserves
	// room before running the next inject; stored, when not nil, is
	// called once they all are (from then on the outbox counts them), not
	// when the store fails, and before the first is posted or Bodies'
	// Before hook runs: nothing is posted while it runs (serve's delivery
	// slots wait there, the result stored, for their turn to post).
	Sized func(ctx context.Context, size int64) (stored func())
	// Abort, when not nil, is held by each send (see Aborter): once it
	// fires (a second interrupt), no more body is posted (the POST in
	// flight is cut short), the bodies not yet stored are stored still,
	// and every body not delivered stays pending, free for a flush once
	// this process has ended; the error is a *runtime.StoredError that
	// Is ErrAborted, counting them.
	Abort Aborter
}

// Aborter is a send's way to stop posting at once (see Deliverer.Abort).
type Aborter interface {
	// Hold returns a channel closed once the abort fires, and release,
	// which the send calls when it returns.
	Hold() (abort <-chan struct{}, release func())
}

// Interface guards.
var (
	_ runtime.Deliverer = (*Deliverer)(nil)
	_ runtime.Receiver  = (*Deliverer)(nil)
	_ runtime.Rejecter  = (*Deliverer)(nil)
)

// Deliver stores the bodies of the report and posts them in order, each
// only once it is durably stored. Bodies of more than one transaction
// (more than 1 MiB, or 512 bodies) are all stored before the first is
// posted, in fsync'd transactions of 512 KiB as stored (packedTxBytes), then
// read back from the outbox to be posted (storeFirst), so that a
// process killed at any POST leaves every body the backend did not take
// in the outbox; once a POST goes unanswered for 250 ms or fails, the
// loop reads back the bodies after it itself (see feed).
// Delivered bodies are removed without waiting
// for that removal's commit: it shares the commit of the next bodies
// stored (of this send or another delivery), and a crash before it only
// makes them resent; a large send (more than 64 bodies) commits its last
// removals before it returns.
// Invalid input is returned as it is, and a store failure (a full, locked
// or corrupt outbox, a full disk) as an *UnstoredError naming the chunks
// the backend accepted before it, with nothing left stored. After the
// first body not accepted, the bodies after it are not sent now: they are
// all stored, and wait with it; the error is a *runtime.StoredError.
// Bodies with a Before hook, however few, are all stored before it runs
// and before the first is posted: a process killed meanwhile leaves every
// one of them stored, for a flush. The abort is held from the start: one that fires
// while Before posts cuts those posts short, and the bodies stay stored,
// none posted.
func (d *Deliverer) Deliver(ctx context.Context, r *runtime.Report) error {
	bctx, _, release := HoldAbort(ctx, d.Abort)
	defer release()
	b, err := d.Profile.Bodies(context.WithValue(bctx, reportKey{}, true), r)
	if err != nil {
		return err
	}
	return d.sendOrUnstored(context.WithValue(ctx, reportKey{}, true), b)
}

// Delivers names what the profile delivers (runtime.DeliveryOf).
func (d *Deliverer) Delivers() string { return runtime.DeliveryOf(d.Profile) }

// Received calls the profile's Received hook, if it has one.
func (d *Deliverer) Received(ctx context.Context, p *runtime.Prepared) error {
	if rc, ok := d.Profile.(runtime.Receiver); ok {
		return rc.Received(ctx, p)
	}
	return nil
}

// Rejected keeps and sends the profile's rejection bodies like a report's
// (a RejectionProfile; unstored when the outbox has no room for them, see
// Unstored), or hands the rejection to the profile's own Rejecter; a
// profile that reports no rejection sends nothing.
func (d *Deliverer) Rejected(ctx context.Context, r *runtime.Rejection) error {
	switch p := d.Profile.(type) {
	case RejectionProfile:
		b, err := p.RejectionBodies(ctx, r)
		if err != nil || b.N == 0 {
			return err
		}
		return d.sendOrUnstored(context.WithoutCancel(ctx), b)
	case runtime.Rejecter:
		return p.Rejected(ctx, r)
	}
	return nil
}

// send stores b and posts each body once it is stored (see Deliver).
// stored, when not nil, is called once every body is stored.
func (d *Deliverer) send(ctx context.Context, b Bodies, stored func()) error {
	f := newFeed(d.Store.hooks.stalled)
	var (
		putErr  error
		bodies  bufPool // the buffers of the bodies posted are reused
		late    lateBodies
		settled atomic.Bool // failed or aborted: the bodies left are not posted
	)
	ctx, aborted, release := HoldAbort(ctx, d.Abort)
	defer release()
	if b.Before != nil || b.N > 1 && !oneTx(b) {
		go func() {
			defer f.close()
			putErr = d.storeFirst(ctx, b, &bodies, f, &late, aborted, &settled, stored)
		}()
	} else {
		seq, owned := b.Seq, b.SeqInto != nil
		if owned {
			seq = b.SeqInto(bodies.get) // no copy: the bodies are the send's
		}
		// One transaction (a body, or a few small ones: oneTx), stored
		// here without a hand-off, then given to the loop below in one
		// push once stored has returned: nothing is posted before.
		var recs []Record
		_, putErr = d.Store.put(b.N, b.Size, seq, maxTxBytes, func(r []Record) { recs = append(recs, r...) }, &bodies, owned)
		if putErr == nil {
			if stored != nil {
				stored()
			}
			f.push(recs, &bodies)
		}
		f.close()
	}
	var (
		delivered []removal // accepted, removed at the end
		failed    *runtime.StoredError
		waiting   []uint64 // stored after the failure, not sent
		failedAt  Record
		index     int
		accepted  int   // bodies the backend accepted: chunks 0 to accepted-1
		cut       int   // bodies not posted after the abort, left pending
		refused   error // the failure of the body the abort cut short, when it was posted
	)
	red, _ := d.Profile.(Redactor)
	large := b.N > maxDeferred
	ordered := false // later bodies append to what the backend took
	if ip, ok := d.Profile.(InOrderPoster); ok {
		ordered = ip.InOrder()
	}
	var unread []uint64 // of an item of ids, not read back yet
	for {
		recs, ok := d.nextRecords(f, &unread, index, func() bool { return failed != nil || aborted() }, &late, &bodies)
		if !ok {
			break
		}
		if large && len(delivered) > 0 {
			// The bodies of a large send posted so far are removed
			// together, at most rideDelay later (with another write's
			// commit, if one comes first): the file's freed pages are
			// reused.
			d.Store.deleteLaterWithin(rideDelay, delivered)
			delivered = nil
		}
		for _, rec := range recs {
			i := index
			index++
			if failed != nil {
				// Kept by its id alone: a send of 100 000 bodies that
				// fails at its first holds no body meanwhile.
				waiting = append(waiting, rec.ID)
				bodies.put(rec.Body)
				continue
			}
			if aborted() {
				// Stored, not posted: it waits for a flush.
				f.stall()
				cut++
				bodies.put(rec.Body)
				continue
			}
			err := late.failure(rec) // a body storeFirst or records could not read back
			unread := err != nil
			if !unread {
				// Unanswered for stallPost, or failed: the bodies
				// after it are stored without waiting for it.
				t := time.AfterFunc(stallPost, f.stall)
				err = d.post(ctx, rec)
				t.Stop()
			}
			if err != nil {
				f.stall()
			}
			if err != nil && aborted() {
				cut++ // cut short by the abort: it stays pending
				if refused == nil {
					refused = d.Store.noteInterrupted(rec, err, red, d.MaxBackoff)
				}
				bodies.put(rec.Body)
				continue
			}
			if err == nil && ordered && index < b.N {
				// The next body appends to what the backend took: this
				// one's removal is committed before that body is posted,
				// so that a crash resends at most the body in flight (a
				// "data" resent is stored twice), never the ones before.
				accepted++
				_, _ = d.Store.remove([]removal{{id: rec.ID, size: rec.Size}}, true) // kept on error (see noteUnremoved)
				bodies.put(rec.Body)
				continue
			}
			if err == nil {
				accepted++
				delivered = append(delivered, removal{id: rec.ID, size: rec.Size})
				// Posted: the client is done with the body, as
				// transport's own sends reuse theirs.
				bodies.put(rec.Body)
				continue
			}
			var out Outcome
			var serr error
			switch {
			case unread:
				out, serr = d.Store.keepUnread(rec, err, red) // stored, never posted
			case unnoted(err):
				out, serr = d.Store.unposted(rec, err, red) // stored, never posted: no attempt
			case errors.Is(err, errTakenOver):
				out = Failed // pending, left as it is to the process that took it over
			default:
				out, serr = d.Store.settle(ctx, rec, err, d.MaxBackoff, red, true) // a refused token keeps it pending
			}
			failed = &runtime.StoredError{Outbox: d.Store.Path(), Err: failedChunk(err, i, b.N)}
			settled.Store(true)
			switch {
			case errors.Is(serr, ErrNotFound):
				// Gone (dropped by hand): not counted as kept.
			case out == Rejected:
				failed.Dead++
			default:
				failed.Pending++
			}
			failedAt = rec
		}
	}
	if putErr != nil {
		// Nothing is left stored (PutEach removed it): the caller keeps the
		// signatures of the chunks not delivered.
		return unstored(b, accepted, putErr)
	}
	// Delivered bodies are removed in the background, in the commit of the
	// next writes (see deleteLater): the delivery is complete once the
	// backend accepted them, and a removal that fails only leaves them to
	// be resent under the same Idempotency-Key. A large send commits its
	// last removals before it returns.
	d.Store.deleteLater(delivered)
	if large {
		// The last removals of a large send are committed now.
		d.Store.flushLazy()
	}
	if failed != nil {
		d.holdBack(failed, failedAt, waiting)
		return failed
	}
	if cut > 0 {
		err := fmt.Errorf("%w: chunks %d-%d of %d not sent", ErrAborted, accepted, b.N-1, b.N)
		if refused != nil {
			err = fmt.Errorf("%w: chunks %d-%d of %d not delivered (chunk %d: %w)", ErrAborted, accepted, b.N-1, b.N, accepted, refused)
		}
		return &runtime.StoredError{Outbox: d.Store.Path(), Pending: cut, Err: err}
	}
	return nil
}

// errTakenOver is a queued body another process took over before this
// one posted it (see post): it is not settled, but left to that process.
var errTakenOver = fmt.Errorf("%w", ErrTakenMeanwhile)

// post sends one stored body: under its recorded Idempotency-Key when the
// profile is a KeyedPoster. Its lease is renewed while the POST lasts, as
// Send's is (see keepLease): a POST outlasting the lease (its retries, a
// slow backend) keeps another process's flush from taking the body and
// posting it too. A body that waited its turn (behind a long POST) with
// less than half its lease left has it renewed first (see leaseToPost):
// one another process took over meanwhile is not posted (that process
// sends it), and the error Is ErrTakenMeanwhile.
func (d *Deliverer) post(ctx context.Context, rec Record) error {
	until, ok := d.Store.leaseToPost(rec)
	if !ok {
		return fmt.Errorf("outbox %s: chunk %d of inject %s not posted: its lease ended while it waited its turn: %w (that process sends it)",
			d.Store.Path(), rec.ChunkIndex, rec.InjectID, errTakenOver)
	}
	if err := d.Store.startAttempt(rec); err != nil {
		return err
	}
	defer d.Store.keepLease(rec.ID, until).stop()
	// Stored: a Retry-After past the client's cap ends its attempts, the
	// body due when the backend asked, as a flush's is (no 3 × 30 s waits).
	ctx = httpx.WithLongWaitEnds(d.Store.postContext(ctx, rec))
	if kp, ok := d.Profile.(KeyedPoster); ok && rec.IdempotencyKey != "" {
		return kp.PostKeyed(ctx, rec.InjectID, rec.IdempotencyKey, rec.ChunkIndex, rec.Body)
	}
	return d.Profile.PostBody(ctx, rec.InjectID, rec.ChunkIndex, rec.Body)
}
