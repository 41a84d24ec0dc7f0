package transport

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/injectkit/injectkit/signatures"
)

// DefaultMaxPayloadSize is the default largest body, in bytes (1 MiB).
const DefaultMaxPayloadSize = 1 << 20

// Bodies validates, normalises and chunks p and returns the bodies Send
// would POST for it, byte for byte, in order. maxPayloadSize 0 means
// DefaultMaxPayloadSize. It performs no I/O. Each body is a slice of its
// own: a caller may append to it.
//
// Each target is encoded once; chunking is then arithmetic on the encoded
// sizes, so the cost is linear in the size of the payload.
func Bodies(injectID, phase string, p signatures.Payload, maxPayloadSize int) ([][]byte, error) {
	if err := checkInjectID(injectID); err != nil {
		return nil, err
	}
	c, err := NewChunker(phase, maxPayloadSize)
	if err != nil {
		return nil, err
	}
	// The arena starts with the body's prefix so that, when everything fits
	// in one body, the arena becomes that body without a copy.
	arena, ends, err := encodeTargets(c.appendPrefix(nil), p.Targets)
	if err != nil {
		return nil, err
	}
	from := len(c.prefix)
	start := func(i int) int { // offset of target i in the arena
		if i == 0 {
			return from
		}
		return ends[i-1] + 1
	}
	plan, err := c.Plan(func(yield func(int) bool) {
		for i := range ends {
			if !yield(ends[i] - start(i)) {
				return
			}
		}
	})
	if err != nil {
		return nil, err
	}
	if !plan.Chunked() {
		body := arena[:from]
		if len(ends) > 0 {
			body = arena[:ends[len(ends)-1]]
		}
		return [][]byte{c.appendSuffix(body, plan, 0)}, nil
	}
	out := make([][]byte, plan.Chunks())
	next := 0
	for i := range out {
		body := c.appendPrefix(make([]byte, 0, plan.Size(i)))
		n := plan.Count(i) // never 0 in a chunked plan
		body = append(body, arena[start(next):ends[next+n-1]]...)
		next += n
		out[i] = c.appendSuffix(body, plan, i)
	}
	return out, nil
}

// encodeTargets normalises and encodes every target into arena, after what
// it already holds, each followed by a comma: the targets of a chunk are
// then one contiguous range. The encoding of target i ends at ends[i].
func encodeTargets(arena []byte, ts []signatures.PayloadTarget) ([]byte, []int, error) {
	ends := make([]int, len(ts))
	for i, t := range ts {
		n, err := NormalizeTarget(i, t)
		if err != nil {
			return nil, nil, err
		}
		before := len(arena)
		if arena, err = appendTargetJSON(arena, n); err != nil {
			return nil, nil, encodeError(i, t, err)
		}
		ends[i] = len(arena)
		arena = append(arena, ',')
		if i == 0 && len(ts) > 1 {
			// Reserve room for the rest, guessing from the first target.
			arena = slices.Grow(arena, (len(arena)-before)*(len(ts)-1)*9/8)
		}
	}
	return arena, ends, nil
}

// AppendTarget validates and normalises t (see NormalizeTarget) and appends
// its encoding, the exact bytes a body holds for it, to dst.
func AppendTarget(dst []byte, index int, t signatures.PayloadTarget) ([]byte, error) {
	n, err := NormalizeTarget(index, t)
	if err != nil {
		return dst, err
	}
	out, err := appendTargetJSON(dst, n)
	if err != nil {
		return dst, encodeError(index, t, err)
	}
	return out, nil
}

// encodeError names the value of t that JSON cannot encode.
func encodeError(i int, t signatures.PayloadTarget, err error) error {
	for j, g := range t.SignatureValues {
		if g.IsFlat() {
			if _, e := json.Marshal(g.SignatureValue); e != nil {
				return &ValidationError{Field: fmt.Sprintf("targets[%d].signature_values[%d].signature_value", i, j),
					Value: fmt.Sprintf("%T", g.SignatureValue), Reason: "cannot be encoded as JSON: " + e.Error()}
			}
		}
		for k, v := range g.Values {
			if _, e := json.Marshal(v.SignatureValue); e != nil {
				return &ValidationError{Field: fmt.Sprintf("targets[%d].signature_values[%d].values[%d].signature_value", i, j, k),
					Value: fmt.Sprintf("%T", v.SignatureValue), Reason: "cannot be encoded as JSON: " + e.Error()}
			}
		}
	}
	return &ValidationError{Field: fmt.Sprintf("targets[%d]", i), Reason: "cannot be encoded as JSON: " + err.Error()}
}

func checkInjectID(id string) error {
	if strings.TrimSpace(id) == "" {
		return &ValidationError{Field: "inject_id", Value: id, Reason: "empty inject id"}
	}
	return nil
}
