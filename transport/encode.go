package transport

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/injectkit/injectkit/signatures"
)

// DefaultMaxPayloadSize is the default largest body, in bytes (1 MiB).
const DefaultMaxPayloadSize = 1 << 20

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
