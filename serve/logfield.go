package serve

import (
	"context"
	"fmt"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
)

// deliveryKey is the context key of the delivery of the message a Handler
// is handed (see DeliveryField).
type deliveryKey struct{}

// delivery names one delivery of a message in this daemon: the number of
// the broker channel it came on, counted from 1 since the daemon started
// (each session, a connection after a loss included, opens a new one),
// and the broker's delivery tag, which counts per channel from 1. A copy
// of a message delivered again on a new channel may have the same tag,
// never the same channel.
type delivery struct{ channel, tag uint64 }

func (d delivery) MarshalLogObject(enc zapcore.ObjectEncoder) error {
	enc.AddUint64(channelField, d.channel)
	enc.AddUint64(deliveryTagField, d.tag)
	return nil
}

// field is the delivery as fields inline: channel and delivery_tag.
func (d delivery) field() zap.Field { return zap.Inline(d) }

// withDelivery returns ctx carrying the delivery of the message it is
// handed with.
func withDelivery(ctx context.Context, d delivery) context.Context {
	return context.WithValue(ctx, deliveryKey{}, d)
}

// DeliveryField returns the field that tells one delivery of a message
// from another in the log, the delivery the daemon handed the Handler with
// ctx (Handle, HandleDelivery, HandleOversize, and any context derived
// from theirs): inline, two fields, channel (the number of the broker
// channel it came on, counted from 1 since the daemon started; each
// connection opens a new one) and delivery_tag (the broker's number of the
// delivery on that channel, which restarts at 1 on each). A copy of a
// message delivered again after its channel closed comes on another
// channel, where it may have the same delivery_tag: the pair is what
// tells them apart. Every line the daemon logs about a message carries it
// besides the message's key (inject_id; see KeyNamer); a Handler adds it
// to the lines it logs about the message, so that the lines of two copies
// of one inject in flight can be told apart. A context the daemon did not
// hand gives zap.Skip(): no field.
func DeliveryField(ctx context.Context) zap.Field {
	if d, ok := ctx.Value(deliveryKey{}).(delivery); ok {
		return d.field()
	}
	return zap.Skip()
}

// The names of the fields of a message's delivery.
const (
	channelField     = "channel"
	deliveryTagField = "delivery_tag"
)

// panicFields logs a recovered panic's value v as the string "panic",
// whatever its type (zap.Any wrote a string for most, a number or an
// object for others: a log store typing "panic" from its first line
// refused the others), and, when v marshals itself as an object (the
// detail a Handler gave it, such as the stack where it was raised
// first), that object as "panic_detail".
func panicFields(v any) []zap.Field {
	fields := []zap.Field{zap.String("panic", fmt.Sprint(v))}
	if m, ok := v.(zapcore.ObjectMarshaler); ok {
		fields = append(fields, zap.Object("panic_detail", m))
	}
	return fields
}
