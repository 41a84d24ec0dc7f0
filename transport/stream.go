package transport

import (
	"context"
	"iter"
	"slices"

	"github.com/injectkit/injectkit/signatures"
)

// Encoding is a payload encoded once, target by target, and planned into
// bodies: the streaming form of Bodies. It holds each target's bytes once;
// the bodies themselves are written one at a time, into a buffer the caller
// may reuse, so a large payload is never held twice.
type Encoding struct {
	injectID string
	c        *Chunker
	arena    []byte // targets, each followed by a comma
	ends     []int  // end of target i in arena
	plan     Plan
}

// Encode validates, normalises and encodes the n targets of seq (which must
// yield indices 0..n-1 in order) and plans their bodies under
// maxPayloadSize (0: DefaultMaxPayloadSize). The bodies it yields are byte
// for byte those of Bodies for the same targets. Each target is read once,
// during the call, so seq may reuse its values between iterations (see
// signatures.PayloadTargets).
func Encode(injectID, phase string, n int, seq iter.Seq2[int, signatures.PayloadTarget], maxPayloadSize int) (*Encoding, error) {
	if err := checkInjectID(injectID); err != nil {
		return nil, err
	}
	c, err := NewChunker(phase, maxPayloadSize)
	if err != nil {
		return nil, err
	}
	e := &Encoding{injectID: injectID, c: c, ends: make([]int, 0, n)}
	for i, t := range seq {
		nt, err := NormalizeTarget(i, t)
		if err != nil {
			return nil, err
		}
		before := len(e.arena)
		if e.arena, err = appendTargetJSON(e.arena, nt); err != nil {
			return nil, encodeError(i, t, err)
		}
		e.ends = append(e.ends, len(e.arena))
		e.arena = append(e.arena, ',')
		if i == 0 && n > 1 {
			// Reserve room for the rest, guessing from the first target.
			e.arena = slices.Grow(e.arena, (len(e.arena)-before)*(n-1)*9/8)
		}
	}
	e.plan, err = c.Plan(func(yield func(int) bool) {
		for i := range e.ends {
			if !yield(e.ends[i] - e.start(i)) {
				return
			}
		}
	})
	if err != nil {
		return nil, err
	}
	return e, nil
}

func (e *Encoding) start(i int) int {
	if i == 0 {
		return 0
	}
	return e.ends[i-1] + 1
}

// Len returns the number of bodies.
func (e *Encoding) Len() int { return e.plan.Chunks() }

// Size returns the size of body i in bytes.
func (e *Encoding) Size(i int) int { return e.plan.Size(i) }

// AppendBody appends body i to dst.
func (e *Encoding) AppendBody(dst []byte, i int) []byte {
	first := 0
	for k := 0; k < i; k++ {
		first += e.plan.Count(k)
	}
	return e.appendBody(dst, i, first)
}

func (e *Encoding) appendBody(dst []byte, i, first int) []byte {
	dst = e.c.appendPrefix(dst)
	if k := e.plan.Count(i); k > 0 {
		dst = append(dst, e.arena[e.start(first):e.ends[first+k-1]]...)
	}
	return e.c.appendSuffix(dst, e.plan, i)
}

// Bodies yields each body in order. The yielded slice is reused for the
// next body: use it (post it, write it) before the next iteration.
func (e *Encoding) Bodies() iter.Seq2[int, []byte] {
	return func(yield func(int, []byte) bool) {
		var buf []byte
		first := 0
		for i := 0; i < e.plan.Chunks(); i++ {
			buf = e.appendBody(buf[:0], i, first)
			first += e.plan.Count(i)
			if !yield(i, buf) {
				return
			}
		}
	}
}

// SendEncoded posts the bodies of e in order, as Send does, writing each
// into one reused buffer.
func (c *Client) SendEncoded(ctx context.Context, e *Encoding) (Result, error) {
	res := Result{}
	total := e.Len()
	delivered := make([]int, 0, total)
	for i, b := range e.Bodies() {
		n, err := c.post(ctx, e.injectID, i, b)
		res.Attempts += n
		if err != nil {
			return res, failedChunk(err, i, total, delivered)
		}
		delivered = append(delivered, i)
		res.Chunks++
		res.Bytes += len(b)
	}
	return res, nil
}

// Encode is the package-level Encode with the client's maximum payload size.
func (c *Client) Encode(injectID, phase string, n int, seq iter.Seq2[int, signatures.PayloadTarget]) (*Encoding, error) {
	return Encode(injectID, phase, n, seq, c.maxPayload)
}
