package serve

import (
	"context"

	"go.uber.org/zap"
)

// deliveryTagKey is the context key of the delivery tag of the message a
// Handler is handed (see DeliveryField).
type deliveryTagKey struct{}

// withDeliveryTag returns ctx carrying the delivery tag of the message it
// is handed with.
func withDeliveryTag(ctx context.Context, tag uint64) context.Context {
	return context.WithValue(ctx, deliveryTagKey{}, tag)
}

// DeliveryField returns the field that tells one delivery of a message
// from another in the log: delivery_tag, the broker's number of the
// delivery the daemon handed the Handler with ctx (Handle,
// HandleDelivery, HandleOversize, and any context derived from theirs).
// Every line the daemon logs about a message carries it besides the
// message's key (inject_id; see KeyNamer); a Handler adds it to the lines
// it logs about the message, so that the lines of two copies of one
// inject in flight can be told apart. A context the daemon did not hand
// gives zap.Skip(): no field.
func DeliveryField(ctx context.Context) zap.Field {
	if tag, ok := ctx.Value(deliveryTagKey{}).(uint64); ok {
		return zap.Uint64(deliveryTagField, tag)
	}
	return zap.Skip()
}

// deliveryTagField is the name of the field of a message's delivery tag.
const deliveryTagField = "delivery_tag"
