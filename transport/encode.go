package transport

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/injectkit/injectkit/signatures"
)

// DefaultMaxPayloadSize is the default largest body, in bytes (1 MiB).
const DefaultMaxPayloadSize = 1 << 20

// Bodies validates, normalises and chunks p and returns the bodies Send
// would POST for it, byte for byte, in order. maxPayloadSize 0 means
// DefaultMaxPayloadSize. It performs no I/O.
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
	arena, ends, err := encodeTargets(p.Targets)
	if err != nil {
		return nil, err
	}
	target := func(i int) []byte {
		start := 0
		if i > 0 {
			start = ends[i-1] + 1 // skip the encoder's newline
		}
		return arena[start:ends[i]]
	}
	plan, err := c.Plan(func(yield func(int) bool) {
		for i := range ends {
			if !yield(len(target(i))) {
				return
			}
		}
	})
	if err != nil {
		return nil, err
	}
	out := make([][]byte, plan.Chunks())
	next := 0
	for i := range out {
		n := plan.Count(i)
		body := make([]byte, 0, plan.Size(i))
		body = c.appendPrefix(body)
		for k := 0; k < n; k++ {
			if k > 0 {
				body = append(body, ',')
			}
			body = append(body, target(next)...)
			next++
		}
		out[i] = c.appendSuffix(body, plan, i)
	}
	return out, nil
}

// encodeTargets normalises and encodes every target into one arena. The
// encoding of target i ends at ends[i] and is followed by a newline.
func encodeTargets(ts []signatures.PayloadTarget) (arena []byte, ends []int, err error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	ends = make([]int, len(ts))
	for i, t := range ts {
		n, err := NormalizeTarget(i, t)
		if err != nil {
			return nil, nil, err
		}
		if err := enc.Encode(n); err != nil {
			return nil, nil, encodeError(i, t, err)
		}
		ends[i] = buf.Len() - 1
	}
	return buf.Bytes(), ends, nil
}

// AppendTarget validates and normalises t (see NormalizeTarget) and appends
// its encoding, the exact bytes a body holds for it, to dst.
func AppendTarget(dst []byte, index int, t signatures.PayloadTarget) ([]byte, error) {
	n, err := NormalizeTarget(index, t)
	if err != nil {
		return dst, err
	}
	b, err := json.Marshal(n)
	if err != nil {
		return dst, encodeError(index, t, err)
	}
	return append(dst, b...), nil
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
