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
	// fitted holds, by index, the targets cut to fit in a body (see
	// fitTarget), normalised: the second pass writes them instead of
	// seq's.
	fitted map[int]fitting
}

// Encode validates and normalises the targets of seq (which must yield
// indices 0, 1, … in order), measures their encoding and plans their
// bodies under maxPayloadSize (0: DefaultMaxPayloadSize). seq is ranged
// twice, once here and once when the bodies are written, and must yield the
// same targets both times; it may reuse its values between iterations (see
// signatures.PayloadTargets). The number of targets is what seq yields.
// A target that fits in no body only for its partial results (a timed-out
// run's), or in a body of its own but not in one of the chunked payload's
// bodies, has them cut to fit, as fitPartials says; PartialsLeftOut counts
// them. One that does not fit even with none has its extra signatures
// left out, the largest first, until it does (then its partial results
// cut, if they still must be), as fitExtras says; ExtrasLeftOut names
// them. A payload that fits without cutting is written as it is.
//
// Invalid input is a *ValidationError and a target too large for one body
// a *TargetTooLargeError, both before any body is written: an inject id or
// phase that is blank, longer than signatures.MaxIDLength or not printable
// (signatures.ValidateID: it could not go into the Idempotency-Key
// header), and a limit too small for a body holding one minimal target,
// are invalid.
func Encode(injectID, phase string, seq iter.Seq2[int, signatures.PayloadTarget], maxPayloadSize int) (*Encoding, error) {
	return encode(injectID, phase, seq, maxPayloadSize, func(c *Chunker) (iter.Seq[sized], *measures) {
		m := &measures{}
		return func(yield func(sized) bool) { m.measure(c, seq, yield) }, m
	})
}

// encode is Encode with the measuring of the targets given: sizes, called
// once the limit is checked, returns the sizes of the targets in order
// and what measuring them found, complete once the sizes are read.
func encode(injectID, phase string, seq iter.Seq2[int, signatures.PayloadTarget], maxPayloadSize int,
	sizes func(c *Chunker) (iter.Seq[sized], *measures)) (*Encoding, error) {
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
	each, m := sizes(c)
	plan, err := c.plan(each)
	if m.failed != nil {
		return nil, m.failed
	}
	if err != nil {
		return nil, err
	}
	for _, i := range plan.cut {
		m.keep(i, m.maybe[i], &m.fitted)
	}
	return &Encoding{injectID: injectID, phase: phase, c: c, seq: seq, plan: plan, fitted: m.fitted}, nil
}

// measures is what measuring targets found: the first error, the
// targets cut to fit whatever the plan (fitted), and those cut only if
// the payload is chunked (maybe: they fit in a body of their own, not in
// one of many), by index.
type measures struct {
	failed        error
	fitted, maybe map[int]fitting
}

func (m *measures) keep(i int, f fitting, into *map[int]fitting) {
	if *into == nil {
		*into = map[int]fitting{}
	}
	(*into)[i] = f
}

// measure validates, normalises and measures each target of seq for
// bodies of c, and yields its size, until yield returns false; it stops
// at the first target that fails, which m.failed then holds.
func (m *measures) measure(c *Chunker, seq iter.Seq2[int, signatures.PayloadTarget], yield func(sized) bool) {
	var sizer wirejson.Encoder
	room, alone := c.room(), c.max-c.base() // alone: a body of one target, unchunked
	for i, t := range seq {
		nt, err := normalizeTarget(i, t)
		if err != nil {
			m.failed = err
			return
		}
		size, err := sizer.TargetSize(nt)
		if err != nil {
			m.failed = encodeError(i, t, err)
			return
		}
		st := sized{size: size}
		switch {
		case size > alone:
			// It fits in no body: cut it to fit whatever the number
			// of bodies, else in a body alone.
			f, ok := fitTarget(nt, size, room, &sizer)
			if !ok {
				f, ok = fitTarget(nt, size, alone, &sizer)
			}
			if ok {
				m.keep(i, f, &m.fitted)
				st.size = f.size
			}
		case size > room:
			// It fits in a body alone, maybe not in one of a chunked
			// payload: the plan says whether it is cut.
			if f, ok := fitTarget(nt, size, room, &sizer); ok {
				m.keep(i, f, &m.maybe)
				st.cut = f.size
			}
		}
		if !yield(st) {
			return
		}
	}
}

// Len returns the number of bodies.
func (e *Encoding) Len() int { return e.plan.Chunks() }

// MaxPayloadSize returns the size limit the bodies were planned under.
func (e *Encoding) MaxPayloadSize() int { return e.c.max }

// Size returns the size of body i in bytes: the sizes let a caller (an
// outbox) reserve room for the bodies before writing any.
func (e *Encoding) Size(i int) int { return e.plan.Size(i) }

// Bodies yields each body in order, with its index. The next bodies are
// written while one is handled, in a goroutine of their own (see ahead).
// The yielded slice is reused once the iteration moves on: use it (post
// it, write it, copy it) before the next iteration. If the targets no
// longer match the plan (seq yielded other targets the second time), the
// sequence ends with an error.
func (e *Encoding) Bodies() iter.Seq2[int, []byte] {
	return func(yield func(int, []byte) bool) {
		e.ahead(false, nil, func(i int, b []byte, _ string, err error) bool {
			return err == nil && yield(i, b)
		})
	}
}

// BodiesInto is Bodies that writes each body into a buffer of its own
// from alloc (asked for n bytes of capacity or more, the largest body's
// size), and hands it over: the yielded slice is the caller's, never
// reused, so that a caller that keeps the bodies a while (an outbox that
// posts them once they are stored) need not copy them. The next bodies
// are written while one is handled, as Bodies does: alloc is called from
// the goroutine that writes them, not the caller's.
func (e *Encoding) BodiesInto(alloc func(n int) []byte) iter.Seq2[int, []byte] {
	return func(yield func(int, []byte) bool) {
		e.ahead(false, alloc, func(i int, b []byte, _ string, err error) bool {
			return err == nil && yield(i, b)
		})
	}
}

// each writes the bodies in order, each into a buffer from get (false:
// stop writing), and calls fn with each, or with an error.
func (e *Encoding) each(get func() ([]byte, bool), fn func(i int, body []byte, err error) bool) {
	total := e.plan.Chunks()
	var enc wirejson.Encoder
	i, k := 0, 0 // body, targets in it
	body, ok := get()
	if !ok {
		return
	}
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
		if body, ok = get(); !ok {
			return false
		}
		body = e.c.appendPrefix(body)
		return true
	}
	for j, t := range e.seq {
		nt, err := normalizeTarget(j, t)
		if err != nil {
			fn(i, nil, err)
			return
		}
		if f, ok := e.fitted[j]; ok {
			nt = f.t
		}
		if i >= total {
			fn(i, nil, fmt.Errorf("target %d: more targets than planned", j))
			return
		}
		if k > 0 {
			body = append(body, ',')
		}
		if body, err = enc.AppendTarget(body, nt); err != nil {
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

// SendEncoded writes the bodies of e in order and posts each with
// PostBody's retries and Idempotency-Key. The next bodies are written
// (and their keys computed) while one is on the wire (see ahead): memory
// stays at a few bodies. A failed body stops the send: the error is a
// *TransmissionError listing in Delivered the chunks already accepted,
// or, when the context ends, the context's error (wrapped in a
// *TransmissionError if chunks had been delivered, so that errors.Is
// still matches it). The Result counts what was delivered.
func (c *Client) SendEncoded(ctx context.Context, e *Encoding) (Result, error) {
	res := Result{}
	total := e.Len()
	delivered := make([]int, 0, total)
	var failed error
	e.ahead(true, nil, func(i int, b []byte, key string, err error) bool {
		if err != nil {
			failed = err
			return false
		}
		n, err := c.post(ctx, e.injectID, key, i, b)
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
func (c *Client) Encode(injectID, phase string, seq iter.Seq2[int, signatures.PayloadTarget]) (*Encoding, error) {
	return Encode(injectID, phase, seq, c.maxPayload)
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

// Room checks what Encode checks before it reads any target (the inject
// id, the phase, the size limit) and returns the size of the largest
// encoded target that fits in a body whatever the number of bodies: a
// payload whose targets are each no larger never fails with a
// *TargetTooLargeError. It lets a caller that can bound its targets' sizes
// cheaply skip measuring them.
func Room(injectID, phase string, maxPayloadSize int) (int, error) {
	if err := validateInjectID(injectID); err != nil {
		return 0, err
	}
	c, err := NewChunker(phase, maxPayloadSize)
	if err != nil {
		return 0, err
	}
	if err := c.checkRoom(); err != nil {
		return 0, err
	}
	return c.room(), nil
}

// room is the size of the largest encoded target that fits in a body of
// c whatever the number of bodies (see Room).
func (c *Chunker) room() int {
	return c.max - (c.base() + len(chunkIndexKey) + len(totalChunksKey) + 2*maxDigits)
}

// Room is the package-level Room with the client's maximum payload size.
func (c *Client) Room(injectID, phase string) (int, error) {
	return Room(injectID, phase, c.maxPayload)
}
