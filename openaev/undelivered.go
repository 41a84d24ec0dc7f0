package openaev

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"

	"github.com/injectkit/injectkit/runtime"
	"github.com/injectkit/injectkit/transport/outbox"
)

// Undelivered is what of a report's terminal callback the platform did
// not get, in the profile's own form, for a run that keeps it nowhere
// (`injectkit run --outbox none`, or an outbox that failed to store it)
// to print: the requests not delivered, each as a dry run prints it.
type Undelivered struct {
	InjectID string `json:"inject_id"`
	// Platform is the platform's base URL the requests go to ("" for a
	// dry run).
	Platform string `json:"platform,omitempty"`
	// Delivered are the indices of the terminal callback bodies the
	// platform took, 0 its "complete".
	Delivered []int `json:"bodies_delivered,omitempty"`
	// Requests are the terminal callback bodies it did not take, in
	// order: the "complete", then the "data" callbacks.
	Requests []UndeliveredRequest `json:"requests"`
	// LeftOut are the signature targets no body could carry (larger than
	// the max payload size), as the platform would have got them.
	LeftOut []json.RawMessage `json:"signatures_left_out,omitempty"`
}

// UndeliveredRequest is one request not delivered, as WithDryRun prints
// it.
type UndeliveredRequest struct {
	Method string          `json:"method"`
	Path   string          `json:"path"`
	Body   json.RawMessage `json:"body"`
}

// Undelivered returns what of r's terminal callback the platform did not
// get once its delivery failed with err (see the type): the bodies err
// names not delivered, a *PartialError's (no outbox) or an
// *outbox.UnstoredError's (an outbox that failed to store them), from the
// plan that was sent; for any other err (nil: a dry run whose stdout
// could not be written), the whole terminal callback, planned again.
// The bodies are as sent: whoever prints them redacts them.
func (p *Profile) Undelivered(ctx context.Context, r *runtime.Report, err error) (*Undelivered, error) {
	var (
		pe *PartialError
		ue *outbox.UnstoredError
		b  outbox.Bodies
	)
	from := 0
	switch {
	case errors.As(err, &pe) && pe.plan != nil:
		b, from = p.outboxBodies(pe.plan, r.InjectID), pe.Delivered
	case errors.As(err, &ue) && ue.Bodies.Seq != nil:
		b, from = ue.Bodies, len(ue.Delivered)
	default:
		pl, perr := p.terminalPlan(ctx, r)
		if perr != nil {
			return nil, perr
		}
		b = p.outboxBodies(pl, r.InjectID)
	}
	u := &Undelivered{InjectID: r.InjectID, Platform: p.client.platformURL(), Requests: []UndeliveredRequest{}}
	for i := range from {
		u.Delivered = append(u.Delivered, i)
	}
	for e := range b.Seq {
		if e.ChunkIndex < from {
			continue
		}
		u.Requests = append(u.Requests, UndeliveredRequest{Method: http.MethodPost, Path: e.Path, Body: bytes.Clone(e.Body)})
	}
	if b.Unsent != nil {
		u.LeftOut = b.Unsent(b.N) // those of no body
	}
	return u, nil
}
