package transport

import (
	"fmt"

	"github.com/injectkit/injectkit/signatures"
)

// CheckSize reports whether sizeTargetJSON agrees with appendTargetJSON on t.
func CheckSize(t signatures.PayloadTarget) error {
	b, err := appendTargetJSON(nil, t)
	if err != nil {
		return nil // not encodable: nothing to compare
	}
	n, _, err := sizeTargetJSON(t, nil)
	if err != nil {
		return fmt.Errorf("size failed where the encoder did not: %v", err)
	}
	if n != len(b) {
		return fmt.Errorf("size %d, encoder wrote %d bytes: %s", n, len(b), b)
	}
	return nil
}
