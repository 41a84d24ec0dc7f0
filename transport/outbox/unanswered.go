package outbox

import "context"

type earlierKey struct{}

// EarlierUnanswered returns, in the context of a post of a stored body
// (by Send, a Resender or a Deliverer), the attempts of that body made
// before this post that got no answer once sent (Record.Unanswered): the
// backend may hold the body that many times already, and a poster whose
// bodies add to what the backend holds can say so once it is delivered.
// It is 0 outside such a post.
func EarlierUnanswered(ctx context.Context) int {
	n, _ := ctx.Value(earlierKey{}).(int)
	return n
}

// postContext returns ctx for a post of r (see EarlierUnanswered).
func postContext(ctx context.Context, r Record) context.Context {
	if r.Unanswered == 0 {
		return ctx
	}
	return context.WithValue(ctx, earlierKey{}, r.Unanswered)
}
