package framework

import (
	"context"
	"io"

	"github.com/injectkit/injectkit/transport"
)

// CallbackDeliverer POSTs a report's payload to the backend callback
// (the default wire profile).
type CallbackDeliverer struct {
	Client *transport.Client
}

// Deliver sends the payload, chunked as the client's limit requires.
func (d CallbackDeliverer) Deliver(ctx context.Context, r *Report) error {
	enc, err := d.Client.Encode(r.InjectID, r.Phase, len(r.Signatures), r.PayloadTargets())
	if err != nil {
		return err
	}
	_, err = d.Client.SendEncoded(ctx, enc)
	return err
}

// PrintDeliverer writes each body that would have been POSTed to W, one JSON
// document per line: the embedded default when no backend is configured.
type PrintDeliverer struct {
	W              io.Writer
	MaxPayloadSize int
}

// Deliver encodes the bodies exactly as the callback client would and
// writes them.
func (d PrintDeliverer) Deliver(_ context.Context, r *Report) error {
	enc, err := transport.Encode(r.InjectID, r.Phase, len(r.Signatures), r.PayloadTargets(), d.MaxPayloadSize)
	if err != nil {
		return err
	}
	for _, b := range enc.Bodies() {
		if _, err := d.W.Write(append(b, '\n')); err != nil {
			return err
		}
	}
	return nil
}
