package openaev

import (
	"context"

	"github.com/injectkit/injectkit/serve"
)

// executed is asked before anything of an inject's result is stored or
// posted (terminalPlan: Deliver, and Bodies, which an outbox stores),
// whether an outbox keeps it or not: within a serve daemon's handling it
// is serve.Executed, which frees the message's worker for the next one
// (delivery slots) and returns serve.ErrRequeued once the shutdown
// timeout returned the message to the queue, the inject then run again,
// in full, where it is taken (its result would reach the platform
// twice, once from a run given up). Outside a daemon's handling it
// returns nil. Asked here, by the profile, it is asked on every path of
// a result: the outbox's, and with --outbox none the profile's own posts.
func executed(ctx context.Context) error { return serve.Executed(ctx) }
