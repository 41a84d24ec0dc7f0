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

// checkInjectID checks the inject id of a body to post: not blank. A body
// read back from an outbox is posted under this rule alone, so that a
// record kept by an older release is still sent when its request can be
// built.
func checkInjectID(id string) error {
	if strings.TrimSpace(id) == "" {
		return &ValidationError{Field: "inject_id", Value: id, Reason: "empty inject id"}
	}
	return nil
}

// validateInjectID checks the inject id of a payload to encode with
// signatures.ValidateID: printable, at most signatures.MaxIDLength bytes,
// so that the URL and the Idempotency-Key header of every body can be
// built.
func validateInjectID(id string) error {
	if err := checkInjectID(id); err != nil {
		return err
	}
	return signatures.ValidateID("inject_id", id)
}
