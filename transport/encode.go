package transport

import (
	"bytes"
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
// It is Encode over p's targets with every body kept: each target is
// measured once and encoded once, so the cost is linear in the size of the
// payload.
func Bodies(injectID, phase string, p signatures.Payload, maxPayloadSize int) ([][]byte, error) {
	enc, err := Encode(injectID, phase, len(p.Targets), slices.All(p.Targets), maxPayloadSize)
	if err != nil {
		return nil, err
	}
	out := make([][]byte, 0, enc.Len())
	var failed error
	enc.each(func(_ int, b []byte, err error) bool {
		if err != nil {
			failed = err
			return false
		}
		out = append(out, bytes.Clone(b))
		return true
	})
	if failed != nil {
		return nil, failed
	}
	return out, nil
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
