package openaev

import (
	"context"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/injectkit/injectkit/serve"
)

// injectField is the field naming the inject a line is about: its
// inject_id and, when ctx is a serve daemon's handling of a message (see
// serve.DeliveryField), the message's delivery (channel and
// delivery_tag), which tells the lines of two copies of one inject in
// flight apart. Every line logged about an inject a message runs carries
// it; runtime.Request.LogFields carries the delivery to the runtime's
// lines (see logFields).
func injectField(ctx context.Context, id string) zap.Field {
	return zap.Inline(injectRef{id: id, delivery: serve.DeliveryField(ctx)})
}

// logFields returns the fields a request run for ctx adds to the
// runtime's lines (runtime.Request.LogFields): the delivery (channel and
// delivery_tag) of the message a serve daemon handles, none otherwise.
func logFields(ctx context.Context) []zap.Field {
	if f := serve.DeliveryField(ctx); f.Type != zapcore.SkipType {
		return []zap.Field{f}
	}
	return nil
}

// injectRef is the inject a line is about, encoded inline.
type injectRef struct {
	id       string
	delivery zap.Field
}

func (r injectRef) MarshalLogObject(enc zapcore.ObjectEncoder) error {
	enc.AddString("inject_id", r.id)
	r.delivery.AddTo(enc)
	return nil
}
