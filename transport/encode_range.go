package transport

import (
	"iter"
	goruntime "runtime"
	"sync"

	"github.com/injectkit/injectkit/signatures"
)

// partTargets is the fewest targets EncodeRange measures in a part of
// their own: below it, a goroutine costs more than it saves.
const partTargets = 16 << 10

// EncodeRange is Encode over the n targets of a payload that can be read
// in ranges: rng(lo, hi) yields targets lo to hi-1 with their indices, as
// rng(0, n) yields them all (signatures.Batch.PayloadRange). A payload of
// many targets is measured in consecutive parts at once, one a core, then
// planned as Encode plans it; its bodies are written from rng(0, n). The
// Encoding, and the error of a payload that has one (its first bad
// target's), are those Encode returns for rng(0, n).
func EncodeRange(injectID, phase string, n int, rng signatures.PayloadRange, maxPayloadSize int) (*Encoding, error) {
	seq := rng(0, n)
	parts := max(1, min(goruntime.GOMAXPROCS(0), n/partTargets))
	if parts == 1 {
		return Encode(injectID, phase, seq, maxPayloadSize)
	}
	return encode(injectID, phase, seq, maxPayloadSize, func(c *Chunker) (iter.Seq[sized], *measures) {
		return measureParts(c, n, parts, rng)
	})
}

// EncodeRange is the package-level EncodeRange with the client's maximum
// payload size.
func (c *Client) EncodeRange(injectID, phase string, n int, rng signatures.PayloadRange) (*Encoding, error) {
	return EncodeRange(injectID, phase, n, rng, c.maxPayload)
}

// measureParts measures the n targets of rng in parts consecutive parts,
// each in a goroutine of its own, and returns their sizes in order and
// what measuring them found, as measure would in one pass: the first
// part that failed holds the first bad target, and a panic of a part is
// raised again in the caller's goroutine.
func measureParts(c *Chunker, n, parts int, rng signatures.PayloadRange) (iter.Seq[sized], *measures) {
	sizes := make([]int, n)
	found := make([]measures, parts)
	panics := make([]any, parts)
	var wg sync.WaitGroup
	for p := range parts {
		lo, hi := n*p/parts, n*(p+1)/parts
		wg.Go(func() {
			defer func() { panics[p] = recover() }()
			found[p].measure(c, rng(lo, hi), func(s sized) bool {
				sizes[lo] = s.size
				lo++
				return true
			})
		})
	}
	wg.Wait()
	m := &measures{}
	for p := range parts {
		if panics[p] != nil {
			panic(panics[p])
		}
		if f := found[p]; f.failed != nil {
			m.failed = f.failed
			break
		}
		for i, f := range found[p].fitted {
			m.keep(i, f, &m.fitted)
		}
		for i, f := range found[p].maybe {
			m.keep(i, f, &m.maybe)
		}
	}
	return func(yield func(sized) bool) {
		for i, size := range sizes {
			s := sized{size: size}
			if f, ok := m.maybe[i]; ok {
				s.cut = f.size
			}
			if !yield(s) {
				return
			}
		}
	}, m
}
