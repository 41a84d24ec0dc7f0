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

// Deliver stores the bodies of the payload (all or none), calls the
// context's DeliveryTrace.Stored, posts them in order, and removes the
// delivered ones in one commit at the end. Invalid input and a store
// failure (a full, locked or corrupt outbox) are returned as they are, with
// nothing stored or sent. After the first body not accepted, the bodies
// after it are not sent now: they stay pending with it and the error is a
// *StoredError.
func (d OutboxDeliverer) Deliver(ctx context.Context, r *Report) error {
	enc, err := d.Client.Encode(r.InjectID, r.Phase, len(r.Signatures), r.PayloadTargets())
	if err != nil {
		return err
	}
	// The bodies are encoded once, straight into the outbox, a few MiB per
	// transaction; each is then read back to be posted: what is sent is
	// what was stored, and a large payload is never held whole.
	n, base := enc.Len(), d.Client.BaseURL()
	var need int64
	for i := range n {
		need += int64(enc.Size(i))
	}
	recs, err := d.Outbox.PutAll(n, need, func(yield func(outbox.Entry) bool) {
		for i, b := range enc.Bodies() {
			if !yield(outbox.Entry{InjectID: r.InjectID, Phase: r.Phase, ChunkIndex: i, TotalChunks: n, BaseURL: base, Body: b}) {
				return
			}
		}
	})
	if err != nil {
		return fmt.Errorf("store signatures before sending: %w", err)
	}
	if tr := ContextDeliveryTrace(ctx); tr != nil && tr.Stored != nil {
		tr.Stored(r, len(recs))
	}
	// Delivered bodies are removed together, after the last 2xx or the
	// first failure: one commit for the whole send. A crash in between
	// resends them later under the same Idempotency-Key.
	var delivered []uint64
	defer func() {
		if len(delivered) > 0 {
			_ = d.Outbox.Delete(delivered...) // kept on error: resent under the same key
		}
	}()
	for i, rec := range recs {
		stored, err := d.Outbox.Get(rec.ID)
		if err == nil {
			err = d.Client.PostBody(ctx, rec.InjectID, rec.ChunkIndex, stored.Body)
		}
		if err == nil {
			delivered = append(delivered, rec.ID)
			continue
		}
		out, err := d.Outbox.Settle(ctx, rec, err, d.MaxBackoff)
		se := &StoredError{Outbox: d.Outbox.Path(), Err: failedChunk(err, i, len(recs))}
		if out == outbox.Rejected {
			se.Dead++
		} else {
			se.Pending++
		}
		// The rest wait with the failed body, no longer owned.
		next := time.Now()
		if failed, gerr := d.Outbox.Get(rec.ID); gerr == nil && failed.State == outbox.Pending {
			next = failed.NextAttempt
		}
		for _, rest := range recs[i+1:] {
			msg := fmt.Sprintf("not sent: chunk %d of the same send failed", i)
			if merr := d.Outbox.MarkFailed(rest.ID, 0, msg, next); merr != nil {
				se.Err = errors.Join(se.Err, merr)
			}
			se.Pending++
		}
		if d.Failed != nil {
			select {
			case d.Failed <- struct{}{}:
			default:
			}
		}
		return se
	}
	ids := delivered
	delivered = nil
	if err := d.Outbox.Delete(ids...); err != nil {
		// Every body was accepted; only the bookkeeping failed. The
		// records left are resent later, under the same Idempotency-Key.
		return &StoredError{Outbox: d.Outbox.Path(), Pending: len(ids),
			Err: fmt.Errorf("delivered, but not removed from the outbox: %w", err)}
	}
	return nil
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
	// write fsync'd), before the first is sent: from then on the
	// signatures survive a crash, and a queue message can be acknowledged.
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
