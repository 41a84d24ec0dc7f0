// Package transporttest holds test helpers over package transport for the
// tests of other packages: Bodies, what a client posts for a payload, and
// Backend, a callback backend that records what it was posted (package
// recorder's, the one recording backend of the repository's tests).
package transporttest

import (
	"bytes"
	"fmt"
	"slices"

	"github.com/injectkit/injectkit/signatures"
	"github.com/injectkit/injectkit/transport"
)

// Bodies returns the bodies transport.Client.SendEncoded posts for p with
// a maximum payload size (0: transport.DefaultMaxPayloadSize), byte for
// byte and in order, each a slice of its own: what a test compares a
// recording backend's requests with.
func Bodies(injectID, phase string, p signatures.Payload, maxPayloadSize int) ([][]byte, error) {
	enc, err := transport.Encode(injectID, phase, slices.All(p.Targets), maxPayloadSize)
	if err != nil {
		return nil, err
	}
	out := make([][]byte, 0, enc.Len())
	for _, b := range enc.Bodies() {
		out = append(out, bytes.Clone(b))
	}
	if len(out) != enc.Len() {
		return nil, fmt.Errorf("encoded %d bodies of %d: the payload changed between passes", len(out), enc.Len())
	}
	return out, nil
}
