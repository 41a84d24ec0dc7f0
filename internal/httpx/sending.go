package httpx

import (
	"context"
	"fmt"
)

// sendingKey is the key of a context's Sending hook (see WithSending).
type sendingKey struct{}

// WithSending returns ctx carrying sending, which a Poster calls right
// before each request it makes with ctx goes on the wire (after
// Request.Before and Request.Rewrite): a caller that must know when the
// last request of a body started, should the process be killed during
// it (an outbox noting its attempts), notes it there. An error sending
// returns ends Do without that request: as it is before any request,
// else with the last request's failure (its *HTTPError) wrapped beside
// it. A nil sending removes the hook: a client's requests that do not
// send the body (a status read made between two attempts) use such a
// ctx.
func WithSending(ctx context.Context, sending func() error) context.Context {
	return context.WithValue(ctx, sendingKey{}, sending)
}

// sendingOf returns ctx's Sending hook, nil when there is none.
func sendingOf(ctx context.Context) func() error {
	f, _ := ctx.Value(sendingKey{}).(func() error)
	return f
}

// unsent is Do's error when the Sending hook refused a request with err
// after requests whose last failure is last (nil: none made).
func unsent(err error, last *HTTPError) error {
	if last == nil {
		return err
	}
	return fmt.Errorf("%w (after %w)", err, last)
}
