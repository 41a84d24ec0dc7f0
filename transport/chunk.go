package transport

import (
	"encoding/json"
	"fmt"
	"iter"
	"strconv"

	"github.com/injectkit/injectkit/signatures"
)

// Wire pieces of a body around its targets.
const (
	closeBody      = "]}}" // end of targets, expectation_signature and body
	closeTargets   = "]}"  // end of targets and expectation_signature
	chunkIndexKey  = `,"chunk_index":`
	totalChunksKey = `,"total_chunks":`
	// maxDigits bounds the width of chunk_index and total_chunks tried by Plan.
	maxDigits = 9
)

// Chunker packs encoded targets (see wirejson.AppendTarget) into callback
// bodies of at most a given size. It never encodes a target itself:
// planning works on sizes alone, so the bodies of a payload of any length
// can be planned from one pass over its encoded sizes and then written one
// by one. Encode uses it; a caller with targets already encoded (a load
// generator) may use it directly.
type Chunker struct {
	prefix []byte // {"phase":…,"expectation_signature":{"targets":[
	max    int
}

// NewChunker returns a Chunker for bodies of the given phase (one
// signatures.ValidateID accepts) no larger than maxPayloadSize bytes (0
// means DefaultMaxPayloadSize).
func NewChunker(phase string, maxPayloadSize int) (*Chunker, error) {
	if err := signatures.ValidateID("phase", phase); err != nil {
		return nil, err
	}
	if maxPayloadSize < 0 {
		return nil, &ValidationError{Field: "max_payload_size", Value: strconv.Itoa(maxPayloadSize), Reason: "must not be negative"}
	}
	if maxPayloadSize == 0 {
		maxPayloadSize = DefaultMaxPayloadSize
	}
	ph, err := json.Marshal(phase)
	if err != nil {
		return nil, &ValidationError{Field: "phase", Value: phase, Reason: err.Error()}
	}
	c := &Chunker{max: maxPayloadSize}
	c.prefix = append(c.prefix, `{"phase":`...)
	c.prefix = append(c.prefix, ph...)
	c.prefix = append(c.prefix, `,"expectation_signature":{"targets":[`...)
	if c.base() > c.max {
		return nil, &ValidationError{Field: "max_payload_size", Value: strconv.Itoa(maxPayloadSize),
			Reason: fmt.Sprintf("smaller than a body with no target (%d bytes)", c.base())}
	}
	return c, nil
}

// checkRoom returns a *ValidationError when no body under the limit can
// hold even one minimal target: Encode and New refuse such a limit, which
// could send no payload but an empty one.
func (c *Chunker) checkRoom() error {
	if least := c.base() + len(minimalTarget); least > c.max {
		return &ValidationError{Field: "max_payload_size", Value: strconv.Itoa(c.max),
			Reason: fmt.Sprintf("smaller than a body holding one minimal target (%d bytes)", least)}
	}
	return nil
}

// minimalTarget is the shortest encoding of a target normalizeTarget
// accepts: no attribution, one value group of the shortest expectation
// type, one value with a one-letter type and a one-digit value. A size
// limit that cannot hold it in a body holds no target at all.
const minimalTarget = `{"signature_target":{},"signature_values":[{"expectation_type":"DETECTION",` +
	`"values":[{"signature_type":"x","signature_value":0}]}]}`

// base is the size of a body with no target and no chunk fields.
func (c *Chunker) base() int { return len(c.prefix) + len(closeBody) }

// Plan is the split of a payload into bodies: how many targets each body
// holds and its exact size. Build one with Chunker.Plan.
type Plan struct {
	counts  []int
	sizes   []int
	chunked bool
	// cut lists, in order, the targets planned at their cut size (see
	// sized): only a chunked plan has any.
	cut []int
}

// Chunks returns the number of bodies.
func (p Plan) Chunks() int { return len(p.counts) }

// Count returns the number of targets in body i.
func (p Plan) Count(i int) int { return p.counts[i] }

// Size returns the size in bytes of body i.
func (p Plan) Size(i int) int { return p.sizes[i] }

// packState packs targets greedily for chunk fields of a given digit width.
type packState struct {
	overhead  int // body size with no target
	limit     int // largest chunk count the width can write
	counts    []int
	sizes     []int
	cur, n    int // size and target count of the open chunk
	dead      bool
	tooLarge  int // index of the target that cannot fit alone, or -1
	tooLargeN int
	cut       []int // targets packed at their cut size
}

// sized is a target's encoded size and, when its partial results can be
// cut (see fitPartials), its size once cut (0: none). A chunked body too
// small for size packs the target at cut; an unchunked body always holds
// it whole.
type sized struct{ size, cut int }

func (s *packState) add(i int, t sized, max int) {
	size := t.size
	if s.overhead+size > max && t.cut > 0 && s.overhead+t.cut <= max {
		size = t.cut
		if !s.dead {
			s.cut = append(s.cut, i)
		}
	}
	switch {
	case s.dead:
	case s.overhead+size > max:
		s.dead, s.tooLarge, s.tooLargeN = true, i, size
	case s.n > 0 && s.cur+1+size <= max:
		s.cur += 1 + size
		s.n++
	default:
		s.close()
		s.cur, s.n = s.overhead+size, 1
	}
}

func (s *packState) close() {
	if s.n == 0 || s.dead {
		return
	}
	if len(s.counts) == s.limit {
		s.dead = true // more chunks than the width can number
		return
	}
	s.counts = append(s.counts, s.n)
	s.sizes = append(s.sizes, s.cur)
}

// Plan splits targets of the given encoded sizes, whole and in order, into
// as few bodies as a greedy packing allows, each at most MaxPayloadSize
// bytes including its chunk fields. When all targets fit in one body, the
// plan has one body without chunk fields. sizes is read once.
//
// A target too large to fit in any body is a *TargetTooLargeError.
func (c *Chunker) Plan(sizes iter.Seq[int]) (Plan, error) {
	return c.plan(func(yield func(sized) bool) {
		for size := range sizes {
			if !yield(sized{size: size}) {
				return
			}
		}
	})
}

// plan is Plan over targets whose partial results may be cut: a target
// too large for the body it would go in when the payload is chunked is
// packed at its cut size, and the plan lists it (Plan.cut).
func (c *Chunker) plan(targets iter.Seq[sized]) (Plan, error) {
	// One packing per width of chunk_index/total_chunks, all in the same
	// pass: a body's size depends on the digits of the chunk count, which is
	// only known once packed. The narrowest width whose packing needs no
	// more chunks than it can number wins.
	var states [maxDigits]packState
	fixed := c.base() + len(chunkIndexKey) + len(totalChunksKey)
	limit := 1
	for w := range states {
		limit *= 10
		states[w] = packState{overhead: fixed + 2*(w+1), limit: limit - 1, tooLarge: -1}
	}
	total, n := 0, 0
	for t := range targets {
		total += t.size
		for w := range states {
			states[w].add(n, t, c.max)
		}
		n++
	}
	if n == 0 {
		return Plan{counts: []int{0}, sizes: []int{c.base()}}, nil
	}
	if one := c.base() + total + n - 1; one <= c.max {
		return Plan{counts: []int{n}, sizes: []int{one}}, nil
	}
	for w := range states {
		s := &states[w]
		s.close()
		if s.dead {
			continue
		}
		// Every size assumed w digits for index and count; remove what the
		// real numbers do not use.
		total := len(s.counts)
		for i := range s.sizes {
			s.sizes[i] -= 2*(w+1) - digits(i) - digits(total)
		}
		return Plan{counts: s.counts, sizes: s.sizes, chunked: true, cut: s.cut}, nil
	}
	for w := range states {
		if s := &states[w]; s.tooLarge >= 0 {
			e := &TargetTooLargeError{Index: s.tooLarge, Size: s.tooLargeN, Max: c.max, Room: c.max - c.base()}
			if s.tooLargeN <= e.Room { // it would fit in a body of its own
				e.Room, e.Chunked = c.max-s.overhead, true
			}
			return Plan{}, e
		}
	}
	// Unreachable: the widest state dies only of a target too large.
	return Plan{}, fmt.Errorf("no plan fits %d targets", n)
}

func digits(v int) int {
	d := 1
	for v >= 10 {
		v /= 10
		d++
	}
	return d
}

func (c *Chunker) appendPrefix(dst []byte) []byte { return append(dst, c.prefix...) }

func (c *Chunker) appendSuffix(dst []byte, p Plan, i int) []byte {
	if !p.chunked {
		return append(dst, closeBody...)
	}
	dst = append(dst, closeTargets...)
	dst = append(dst, chunkIndexKey...)
	dst = strconv.AppendInt(dst, int64(i), 10)
	dst = append(dst, totalChunksKey...)
	dst = strconv.AppendInt(dst, int64(len(p.counts)), 10)
	return append(dst, '}')
}

// AppendBody appends body i of plan p to dst. targets are the encoded
// targets of that body, exactly Count(i) of them with the sizes p was
// planned with.
func (c *Chunker) AppendBody(dst []byte, p Plan, i int, targets [][]byte) ([]byte, error) {
	if i < 0 || i >= p.Chunks() {
		return dst, fmt.Errorf("body %d out of range [0,%d)", i, p.Chunks())
	}
	if len(targets) != p.counts[i] {
		return dst, fmt.Errorf("body %d: got %d targets, plan has %d", i, len(targets), p.counts[i])
	}
	start := len(dst)
	dst = c.appendPrefix(dst)
	for k, t := range targets {
		if k > 0 {
			dst = append(dst, ',')
		}
		dst = append(dst, t...)
	}
	dst = c.appendSuffix(dst, p, i)
	if got := len(dst) - start; got != p.sizes[i] {
		return dst[:start], fmt.Errorf("body %d: %d bytes, plan has %d: targets differ from the planned sizes", i, got, p.sizes[i])
	}
	return dst, nil
}
