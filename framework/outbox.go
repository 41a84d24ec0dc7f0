package framework

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/injectkit/injectkit/transport"
	"github.com/injectkit/injectkit/transport/outbox"
)

// OutboxDeliverer POSTs a report's payload to the backend callback like
// CallbackDeliverer, through a durable outbox: every body is stored, and the
// store fsync'd, before the first POST; a body leaves the outbox once the
// backend answered 2xx. A body not accepted stays (pending, or dead when
// the backend rejected it for good) and Deliver returns a *StoredError
// saying how many; an outbox.Resender or `injectkit outbox flush` sends it
// later, byte for byte, with the same Idempotency-Key.
type OutboxDeliverer struct {
	Client *transport.Client
	Outbox *outbox.Store
	// MaxBackoff caps the wait before the next attempt of a failed body
	// (default outbox.MaxBackoff).
	MaxBackoff time.Duration
	// Failed, when not nil, receives (without blocking) after a body was
	// kept, for example to wake an outbox.Resender.
	Failed chan<- struct{}
}

// StoredError reports bodies a deliverer could not deliver and kept in an
// outbox for a later resend.
type StoredError struct {
	Outbox  string // path of the outbox file
	Pending int    // bodies kept for a later resend
	Dead    int    // bodies the backend rejected for good, in the dead list
	Err     error  // the delivery failure
}

func (e *StoredError) Error() string {
	return fmt.Sprintf("%v; kept in outbox %s: %d pending, %d dead", e.Err, e.Outbox, e.Pending, e.Dead)
}

// Unwrap returns the delivery failure.
func (e *StoredError) Unwrap() error { return e.Err }

// Deliver stores the bodies of the payload and posts them in order, each
// only once it is durably stored: a writer goroutine encodes the bodies
// into the outbox a few MiB per fsync'd transaction while the bodies
// already stored are posted, so that storing overlaps sending. Once every
// body is stored, the context's DeliveryTrace.Stored is called. Delivered
// bodies are removed together at the end. Invalid input and a store
// failure (a full, locked or corrupt outbox) are returned as they are, with
// nothing left stored. After the first body not accepted, the bodies after
// it are not sent now: they are still all stored, and wait with it; the
// error is a *StoredError.
func (d OutboxDeliverer) Deliver(ctx context.Context, r *Report) error {
	enc, err := d.Client.Encode(r.InjectID, r.Phase, len(r.Signatures), r.PayloadTargets())
	if err != nil {
		return err
	}
	n, base := enc.Len(), d.Client.BaseURL()
	var need int64
	for i := range n {
		need += int64(enc.Size(i))
	}
	batches := make(chan []outbox.Record, 1)
	var putErr error
	go func() {
		defer close(batches)
		putErr = d.Outbox.PutEach(n, need, func(yield func(outbox.Entry) bool) {
			for i, b := range enc.Bodies() {
				if !yield(outbox.Entry{InjectID: r.InjectID, Phase: r.Phase, ChunkIndex: i, TotalChunks: n, BaseURL: base, Body: b}) {
					return
				}
			}
		}, func(recs []outbox.Record) { batches <- recs })
	}()

	var (
		delivered []uint64        // accepted, removed at the end
		failed    *StoredError    // set by the first body not accepted
		waiting   []outbox.Record // stored after the failure, not sent
		failedAt  outbox.Record
		index     int
	)
	for recs := range batches {
		for _, rec := range recs {
			i := index
			index++
			if failed != nil {
				waiting = append(waiting, rec)
				continue
			}
			err := d.Client.PostKeyed(ctx, rec.InjectID, rec.IdempotencyKey, rec.ChunkIndex, rec.Body)
			if err == nil {
				delivered = append(delivered, rec.ID)
				continue
			}
			out, err := d.Outbox.Settle(ctx, rec, err, d.MaxBackoff)
			failed = &StoredError{Outbox: d.Outbox.Path(), Err: failedChunk(err, i, n)}
			if out == outbox.Rejected {
				failed.Dead++
			} else {
				failed.Pending++
			}
			failedAt = rec
		}
	}
	if putErr != nil {
		// Nothing is left stored (PutEach removed it): the caller keeps the
		// signatures.
		return fmt.Errorf("store signatures before sending: %w", putErr)
	}
	if tr := ContextDeliveryTrace(ctx); tr != nil && tr.Stored != nil {
		tr.Stored(r, n)
	}
	if failed != nil {
		if len(delivered) > 0 {
			_ = d.Outbox.Delete(delivered...) // kept on error: resent under the same key
		}
		d.holdBack(failed, failedAt, waiting)
		return failed
	}
	if err := d.Outbox.Delete(delivered...); err != nil {
		// Every body was accepted; only the bookkeeping failed. The
		// records left are resent later, under the same Idempotency-Key.
		return &StoredError{Outbox: d.Outbox.Path(), Pending: len(delivered),
			Err: fmt.Errorf("delivered, but not removed from the outbox: %w", err)}
	}
	return nil
}

// holdBack marks the bodies stored after a failed one as waiting with it,
// no longer owned by this process, and signals Failed.
func (d OutboxDeliverer) holdBack(se *StoredError, failedAt outbox.Record, rest []outbox.Record) {
	next := time.Now()
	if f, err := d.Outbox.Get(failedAt.ID); err == nil && f.State == outbox.Pending {
		next = f.NextAttempt
	}
	msg := fmt.Sprintf("not sent: chunk %d of the same send failed", failedAt.ChunkIndex)
	for _, r := range rest {
		if err := d.Outbox.MarkFailed(r.ID, 0, msg, next); err != nil {
			se.Err = errors.Join(se.Err, err)
		}
		se.Pending++
	}
	if d.Failed != nil {
		select {
		case d.Failed <- struct{}{}:
		default:
		}
	}
}

// failedChunk places a chunk's error in its send, as Client.Send does.
func failedChunk(err error, i, total int) error {
	var te *transport.TransmissionError
	if total > 1 && errors.As(err, &te) {
		cp := *te
		cp.Chunk, cp.Total = i, total
		cp.Delivered = make([]int, i)
		for k := range cp.Delivered {
			cp.Delivered[k] = k
		}
		return &cp
	}
	return err
}

// DeliveryTrace holds hooks a deliverer calls during a delivery, carried by
// the context like net/http/httptrace's ClientTrace.
type DeliveryTrace struct {
	// Stored is called once every body of r is durably stored (an outbox
	// write fsync'd; each body is stored before it is sent): from then on
	// the signatures survive a crash, and a queue message can be
	// acknowledged.
	Stored func(r *Report, bodies int)
}

type traceKey struct{}

// WithDeliveryTrace returns a context carrying t.
func WithDeliveryTrace(ctx context.Context, t *DeliveryTrace) context.Context {
	return context.WithValue(ctx, traceKey{}, t)
}

// ContextDeliveryTrace returns the DeliveryTrace of ctx, or nil.
func ContextDeliveryTrace(ctx context.Context) *DeliveryTrace {
	t, _ := ctx.Value(traceKey{}).(*DeliveryTrace)
	return t
}
