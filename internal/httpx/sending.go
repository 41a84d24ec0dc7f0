package httpx

import (
	"context"
	"fmt"
)

// sendingKey is the key of a context's hooks (see WithSending).
type sendingKey struct{}

// sendingHooks are a context's Sending and Answered hooks.
type sendingHooks struct {
	sending  func() error
	answered func(status int)
}

// WithSending returns ctx carrying sending, which a Poster calls right
// before each request it makes with ctx goes on the wire (after
// Request.Before and Request.Rewrite): a caller that must know when the
// last request of a body started, should the process be killed during
// it (an outbox noting its attempts), notes it there. An error sending
// returns ends Do without that request: as it is before any request,
// else with the last request's failure (its *HTTPError) wrapped beside
// it. A nil sending removes the hook, and the Answered one
// (WithSendingAnswered): a client's requests that do not send the body
// (a status read made between two attempts) use such a ctx.
func WithSending(ctx context.Context, sending func() error) context.Context {
	return context.WithValue(ctx, sendingKey{}, sendingHooks{sending: sending})
}

// WithSendingAnswered is WithSending, with answered called once a
// request got an answer that says the server did not take it, a status
// its Poster retries (429, a 503 of the server's own: not
// GatewayNoAnswer's), right before the wait for the next request: a
// caller noting its requests learns that the last one started was
// answered so, should the process be killed during the wait.
func WithSendingAnswered(ctx context.Context, sending func() error, answered func(status int)) context.Context {
	return context.WithValue(ctx, sendingKey{}, sendingHooks{sending: sending, answered: answered})
}

// sendingOf returns ctx's hooks, nil ones when it has none.
func sendingOf(ctx context.Context) sendingHooks {
	h, _ := ctx.Value(sendingKey{}).(sendingHooks)
	return h
}

// unsent is Do's error when the Sending hook refused a request with err
// after requests whose last failure is last (nil: none made).
func unsent(err error, last *HTTPError) error {
	if last == nil {
		return err
	}
	return fmt.Errorf("%w (after %w)", err, last)
}
