package openaev

import (
	"context"

	"github.com/injectkit/injectkit/serve"
	"github.com/injectkit/injectkit/transport/outbox"
)

// executed is asked before anything of an inject's result is stored or
// posted, a run's terminal callback (terminalPlan: Deliver, and Bodies,
// which an outbox stores) or a refusal's (RejectionBodies: Rejected, and
// an outbox's, before the reception it may send), whether an outbox keeps
// it or not: within a serve daemon's handling it is serve.Executed, which
// frees the message's worker for the next one (delivery slots) and
// returns serve.ErrRequeued once the shutdown timeout returned the
// message to the queue, the inject then handled again, in full, where it
// is taken: a result would reach the platform twice, once from a run
// given up, and a refusal twice too (the next handling, checking the same
// message, refuses it again; a refusal for good from the platform, such
// as an asset group's listing answered 403, is met again). Outside a
// daemon's handling it returns nil. Asked here, by the profile, it is
// asked on every path: the outbox's, and with --outbox none the
// profile's own posts.
//
// A report's bodies planned for an outbox's Deliver (outbox.DeliveringReport:
// stored before any is posted, the Sized hook's stored called once they
// are, which calls serve.Stored) ask serve.ExecutedStoring: the message's
// wait for a delivery slot comes after the store and its acknowledgement,
// so that a daemon killed meanwhile leaves the result in its outbox and no
// message for another daemon to run again. A refusal (nothing ran), or a
// result the outbox failed to store (planned again, see unstored), waits
// for its slot first, as before.
func executed(ctx context.Context) error {
	if outbox.DeliveringReport(ctx) {
		return serve.ExecutedStoring(ctx)
	}
	return serve.Executed(ctx)
}
