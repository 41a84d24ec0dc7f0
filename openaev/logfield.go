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
// delivery_tag) of the message a serve daemon handles, and sent_again
// when it handles it as one that may have run before (Redelivered: the
// broker flagged it, or the daemon recognised it); none otherwise.
func logFields(ctx context.Context) []zap.Field {
	var fields []zap.Field
	if f := serve.DeliveryField(ctx); f.Type != zapcore.SkipType {
		fields = append(fields, f)
	}
	if redelivered(ctx) {
		fields = append(fields, zap.Bool("sent_again", true))
	}
	return fields
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

// WithCallbackLevel sets the level of the line each terminal callback
// body delivered logs, "terminal callback delivered" with its action and
// index (INFO by default). A daemon running thousands of injects a second
// gives zapcore.DebugLevel: its run's INFO "delivered" line says the
// inject's result reached the platform. What is not a plain delivery
// (the platform shows it took a complete whose answer was lost, a
// superseded callback, a failure) is logged at its own level whatever it
// is.
func WithCallbackLevel(l zapcore.Level) ProfileOption {
	return func(p *Profile) { p.callbackLevel = l }
}

// logAt logs msg at level on log, its fields built only when that level
// is enabled.
func logAt(log *zap.Logger, level zapcore.Level, msg string, fields func() []zap.Field) {
	if ce := log.Check(level, msg); ce != nil {
		ce.Write(fields()...)
	}
}
