package callback

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"

	"github.com/injectkit/injectkit/runtime"
	"github.com/injectkit/injectkit/signatures"
	"github.com/injectkit/injectkit/transport"
	"github.com/injectkit/injectkit/transport/outbox"
)

// Undelivered is what of a report's payload the backend did not get, in
// the callback profile's own form, for a run that keeps it nowhere
// (`injectkit run --outbox none`, or an outbox that failed to store it)
// to print: the signatures of the bodies not delivered, as one payload.
type Undelivered struct {
	InjectID string `json:"inject_id"`
	Phase    string `json:"phase"`
	// Signatures is the payload: the targets of the bodies not delivered
	// ({"targets": [...]}), or, when it could not be planned again, the
	// report's whole payload.
	Signatures any `json:"expectation_signature"`
	// Delivered are the chunk_index of the bodies the backend accepted.
	Delivered []int `json:"chunks_delivered,omitempty"`
}

// Undelivered returns what of r's payload the backend did not get once
// its delivery failed with err (see the type): the targets of the bodies
// err does not name delivered (a *transport.TransmissionError, or an
// *outbox.UnstoredError), planned again with the client's size limit as
// they were sent.
func (d Deliverer) Undelivered(_ context.Context, r *runtime.Report, err error) (*Undelivered, error) {
	return undelivered(r, err, func() (*transport.Encoding, error) {
		return encodeReport(r, nil, func(n int, rng signatures.PayloadRange) (*transport.Encoding, error) {
			return d.Client.EncodeRange(r.InjectID, r.Phase, n, rng)
		})
	})
}

// Undelivered returns the printer's bodies as Deliverer.Undelivered
// returns those not delivered: all of them (nothing printed reached a
// backend).
func (p Printer) Undelivered(_ context.Context, r *runtime.Report, err error) (*Undelivered, error) {
	return undelivered(r, err, func() (*transport.Encoding, error) { return Encode(r, p.MaxPayloadSize, nil) })
}

// undelivered is Undelivered, r's bodies planned again by encode.
func undelivered(r *runtime.Report, err error, encode func() (*transport.Encoding, error)) (*Undelivered, error) {
	u := &Undelivered{InjectID: r.InjectID, Phase: r.Phase, Delivered: deliveredChunks(err)}
	targets, terr := undeliveredTargets(encode, u.Delivered)
	if terr != nil {
		return Whole(r)
	}
	u.Signatures = map[string]any{"targets": targets}
	return u, nil
}

// Whole returns r's whole payload as an Undelivered, no body named
// delivered: what Undelivered says when r's bodies cannot be planned
// again, and what a run prints of a report whose profile cannot say what
// it did not deliver.
func Whole(r *runtime.Report) (*Undelivered, error) {
	p, err := r.Payload()
	if err != nil {
		return nil, err
	}
	return &Undelivered{InjectID: r.InjectID, Phase: r.Phase, Signatures: p}, nil
}

// undeliveredTargets returns the encoded targets of the bodies encode
// plans (what was cut to fit them, cut again: never more than the wire
// would carry), less the bodies whose indices are in delivered.
func undeliveredTargets(encode func() (*transport.Encoding, error), delivered []int) ([]json.RawMessage, error) {
	enc, err := encode()
	if err != nil {
		return nil, err
	}
	targets := []json.RawMessage{}
	for i, b := range enc.Bodies() {
		if slices.Contains(delivered, i) {
			continue
		}
		var body struct {
			Signatures struct {
				Targets []json.RawMessage `json:"targets"`
			} `json:"expectation_signature"`
		}
		if err := json.Unmarshal(b, &body); err != nil {
			return nil, fmt.Errorf("body %d: %w", i, err)
		}
		targets = append(targets, body.Signatures.Targets...)
	}
	return targets, nil
}

// deliveredChunks returns the chunks of a send that the backend accepted
// before it failed: those a *transport.TransmissionError lists (no
// outbox), or those an *outbox.UnstoredError does (the send could not be
// stored, or was stopped sending unstored).
func deliveredChunks(err error) []int {
	var ue *outbox.UnstoredError
	var te *transport.TransmissionError
	switch {
	case errors.As(err, &ue):
		return ue.Delivered
	case errors.As(err, &te):
		return te.Delivered
	}
	return nil
}
