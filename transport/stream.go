package transport

import (
	"context"
	"fmt"
	"iter"

	"github.com/injectkit/injectkit/signatures"
	"github.com/injectkit/injectkit/transport/wirejson"
)

// Encoding is a payload planned into bodies without being held in memory.
// Encode measures every target once, without writing it; Bodies (or
// Client.SendEncoded) then encodes each target once, straight into the body
// it belongs to, in a buffer reused from one body to the next. Memory stays
// at one body whatever the size of the payload.
type Encoding struct {
	injectID string
	phase    string
	c        *Chunker
	seq      iter.Seq2[int, signatures.PayloadTarget]
	plan     Plan
}

// Encode validates and normalises the targets of seq (which must yield
// indices 0, 1, … in order), measures their encoding and plans their
// bodies under maxPayloadSize (0: DefaultMaxPayloadSize). seq is ranged
// twice, once here and once when the bodies are written, and must yield the
// same targets both times; it may reuse its values between iterations (see
// signatures.PayloadTargets). n is not used (the number of targets is what
// seq yields); it will be dropped.
//
// Invalid input is a *ValidationError and a target too large for one body
// a *TargetTooLargeError, both before any body is written: an inject id or
// phase that is blank, longer than signatures.MaxIDLength or not printable
// (signatures.ValidateID: it could not go into the Idempotency-Key
// header), and a limit too small for a body holding one minimal target,
// are invalid.
func Encode(injectID, phase string, n int, seq iter.Seq2[int, signatures.PayloadTarget], maxPayloadSize int) (*Encoding, error) {
	if err := validateInjectID(injectID); err != nil {
		return nil, err
	}
	c, err := NewChunker(phase, maxPayloadSize)
	if err != nil {
		return nil, err
	}
	if err := c.checkRoom(); err != nil {
		return nil, err
	}
	var scratch []byte
	var failed error
	plan, err := c.Plan(func(yield func(int) bool) {
		for i, t := range seq {
			nt, err := NormalizeTarget(i, t)
			if err != nil {
				failed = err
				return
			}
			var size int
			if size, scratch, err = wirejson.TargetSize(nt, scratch); err != nil {
				failed = encodeError(i, t, err)
				return
			}
			if !yield(size) {
				return
			}
		}
	})
	if failed != nil {
		return nil, failed
	}
	if err != nil {
		return nil, err
	}
	return &Encoding{injectID: injectID, phase: phase, c: c, seq: seq, plan: plan}, nil
}

// Len returns the number of bodies.
func (e *Encoding) Len() int { return e.plan.Chunks() }

// Size returns the size of body i in bytes: the sizes let a caller (an
// outbox) reserve room for the bodies before writing any.
func (e *Encoding) Size(i int) int { return e.plan.Size(i) }

// Bodies yields each body in order, with its index. The yielded slice is
// reused for the next body: use it (post it, write it) before the next
// iteration. If the targets no longer match the plan (seq yielded other
// targets the second time), the sequence ends with an error.
func (e *Encoding) Bodies() iter.Seq2[int, []byte] {
	return func(yield func(int, []byte) bool) {
		e.each(func(i int, b []byte, err error) bool {
			return err == nil && yield(i, b)
		})
	}
}

// each writes the bodies in order and calls fn with each, or with an error.
func (e *Encoding) each(fn func(i int, body []byte, err error) bool) {
	total := e.plan.Chunks()
	body := make([]byte, 0, e.plan.Size(0))
	i, k := 0, 0 // body, targets in it
	body = e.c.appendPrefix(body)
	flush := func() bool {
		body = e.c.appendSuffix(body, e.plan, i)
		if len(body) != e.plan.Size(i) {
			return fn(i, nil, fmt.Errorf("body %d: %d bytes, planned %d: the targets changed between passes", i, len(body), e.plan.Size(i)))
		}
		if !fn(i, body, nil) {
			return false
		}
		i, k = i+1, 0
		body = e.c.appendPrefix(body[:0])
		return true
	}
	for j, t := range e.seq {
		nt, err := NormalizeTarget(j, t)
		if err != nil {
			fn(i, nil, err)
			return
		}
		if i >= total {
			fn(i, nil, fmt.Errorf("target %d: more targets than planned", j))
			return
		}
		if k > 0 {
			body = append(body, ',')
		}
		if body, err = wirejson.AppendTarget(body, nt); err != nil {
			fn(i, nil, encodeError(j, t, err))
			return
		}
		k++
		if k == e.plan.Count(i) && !flush() {
			return
		}
	}
	if i < total && (k > 0 || e.plan.Count(i) == 0) {
		flush()
	}
}

// SendEncoded writes the bodies of e in order, into one reused buffer, and
// posts each with PostBody's retries and Idempotency-Key. A failed body
// stops the send: the error is a *TransmissionError listing in Delivered
// the chunks already accepted, or, when the context ends, the context's
// error (wrapped in a *TransmissionError if chunks had been delivered, so
// that errors.Is still matches it). The Result counts what was delivered.
func (c *Client) SendEncoded(ctx context.Context, e *Encoding) (Result, error) {
	res := Result{}
	total := e.Len()
	delivered := make([]int, 0, total)
	var failed error
	e.each(func(i int, b []byte, err error) bool {
		if err != nil {
			failed = err
			return false
		}
		n, err := c.post(ctx, e.injectID, IdempotencyKey(e.injectID, e.phase, i, b), i, b)
		res.Attempts += n
		if err != nil {
			failed = failedChunk(err, i, total, delivered)
			return false
		}
		delivered = append(delivered, i)
		res.Chunks++
		res.Bytes += len(b)
		return true
	})
	return res, failed
}

// Encode is the package-level Encode with the client's maximum payload size.
// n is not used.
func (c *Client) Encode(injectID, phase string, n int, seq iter.Seq2[int, signatures.PayloadTarget]) (*Encoding, error) {
	return Encode(injectID, phase, n, seq, c.maxPayload)
}

// failedChunk returns the error of chunk i of a send of total bodies.
func failedChunk(err error, i, total int, delivered []int) error {
	te, ok := err.(*TransmissionError)
	switch {
	case ok:
		te.Chunk, te.Total, te.Delivered = i, total, delivered
		return te
	case len(delivered) > 0:
		return &TransmissionError{Err: err, Chunk: i, Total: total, Delivered: delivered, kind: failOther}
	}
	return err
}
