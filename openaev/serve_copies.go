package openaev

import (
	"context"
	"errors"
	"fmt"

	"go.uber.org/zap"

	"github.com/injectkit/injectkit/serve"
)

// Two messages of one inject in one process, both first deliveries (the
// platform sent the inject again while it runs: a user relaunching it, a
// message published twice), are handled one after the other, never at
// once: the second waits until the handling of the first returned (its
// terminal callback delivered, kept, or held until delivered: see
// unstored), then is handled as any first delivery is: acknowledged
// without running while the first's "complete" is within the platform's
// ingestion window (see sentRecently), else it runs the inject again. A redelivered message does not wait: it takes the outcome
// of the handling in flight (see Processor.ProcessMessage).
//
// A copy that waited runs an inject whose findings the platform may hold
// already (the first's "complete", taken or kept in the outbox to be), and
// so does a first delivery whose reception the platform answers with an
// earlier run's COMPLETE trace (a message published twice, one copy on
// another daemon; see Receipt.Earlier for what that answer cannot show):
// their "complete" first reads the findings the platform stores and
// leaves those out (Processor.Reopened), as one repeating a finding would
// lose its findings with its whole batch's (the platform keeps the traces
// and statuses, written outside the batch's transaction). Nothing more is asked of the
// platform before the run: the reception's answer says it.

// claim makes the handling of a first delivery of inject id the
// inject's in this process, once no other handling of it is in flight,
// and returns the function that ends it with its outcome. It returns an
// error, claiming nothing, when ctx ends or once the daemon's shutdown
// abandoned the handlings in flight (before it claims, or while it
// waits), or once the message's channel closed (lost reports it: see
// serve.Delivery.Lost): the message goes back to the queue, run by no one
// here. waited reports whether it claimed the inject after waiting for
// another handling (see reopenAfterWait). count is called once, with
// whether the message waits for another handling, as soon as that is
// known (or claim returns): a copy arriving with another, both before
// either was known to this process (see sentBefore), is counted as a
// redelivery where the wait is decided.
func (h *Handler) claim(ctx context.Context, id string, lost func() bool, count func(again bool)) (end func(error), waited bool, err error) {
	counted := false
	countOnce := func(again bool) {
		if !counted {
			counted = true
			count(again)
		}
	}
	defer func() { countOnce(waited) }()
	abandoned, _ := h.abandon.Hold()
	for {
		// Before each claim: once the shutdown abandoned the handlings, no
		// copy starts a run (the select below may pick a predecessor's end
		// over the abandon, both ready); it goes back to the queue.
		select {
		case <-abandoned:
			return nil, waited, fmt.Errorf("inject %s: the shutdown abandoned the handlings in flight: not run, the message goes back to the queue", id)
		default:
		}
		// A copy whose channel closed while it waited is delivered again
		// by the broker (maybe to another daemon): that delivery handles it.
		if lost != nil && lost() {
			return nil, waited, fmt.Errorf("inject %s: the channel of the message closed while it waited for another message of the inject: "+
				"not run here, the broker delivers it again", id)
		}
		end, running := h.cfg.Processor.flights.claim(id)
		if running == nil {
			return end, waited, nil
		}
		waited = true
		countOnce(true)
		h.log.Info("another message of the inject is being handled by this process: waiting for its handling to end, then handling this one",
			injectField(ctx, id))
		select {
		case <-running.done:
		case <-goneOf(ctx):
			// lost reports it at the loop's next turn
		case <-ctx.Done():
			return nil, waited, fmt.Errorf("inject %s: waiting for the handling of another message of the inject: %w", id, ctx.Err())
		case <-abandoned:
			return nil, waited, fmt.Errorf("inject %s: the shutdown stopped the wait for the handling of another message of the inject", id)
		}
	}
}

// reopenAfterWait marks inject id reopened (Processor.Reopened), saying
// so, once a handling that waited for another (see claim) is to run it:
// said only once decided, after sentRecently, which may settle it instead.
func (h *Handler) reopenAfterWait(ctx context.Context, id string) {
	h.cfg.Processor.Reopened(id)
	h.log.Info("the handling of another message of the inject ended in this process (a message sent again): "+
		"running it again, its complete leaving out the findings the platform stores, should the earlier run's complete have stored some",
		injectField(ctx, id))
}

// sentRecently reports, saying so, whether a "complete" of inject id was
// sent within the platform's ingestion window (Processor.RecentComplete),
// or, for an inject the platform finalized without a result or whose
// state could not be read (unreported), within the window and the requeue
// span after it: the platform may show it
// without that complete's trace and findings for a while yet, and a run
// of this message would complete it a second time (its findings repeated,
// the callback dropped with its whole batch). Its message is then settled
// as one of an inject this process handled already: acknowledged, not run.
// readErr is why the state could not be read (nil when it was), which the
// line saying so names. A read of the outbox that meets another
// process's lock past the lock timeout pauses the message (lockedPause:
// err), rather than take the inject as one no complete of which was sent.
func (h *Handler) sentRecently(ctx context.Context, id string, unreported bool, readErr error) (sent bool, err error) {
	recent, ok, err := h.cfg.Processor.recentCompleteRead(id, unreported)
	if err != nil {
		return false, h.lockedPause(ctx, id, "the completes sent", err)
	}
	if !ok {
		return false, nil
	}
	switch {
	case recent.Requeue > 0 && readErr != nil:
		h.log.Info("a complete of the inject was sent within the platform's ingestion window and requeue span, "+
			"and the inject's state cannot be read: the platform may not show that complete yet, or be requeuing it; "+
			"message acknowledged without running the inject again",
			injectField(ctx, id), zap.Duration("sent_ago", recent.Ago), zap.Duration("ingest_window", recent.Window),
			zap.Duration("requeue_span", recent.Requeue), zap.NamedError("status_error", readErr))
	case recent.Requeue > 0:
		h.log.Info("a complete of the inject was sent within the platform's ingestion window and requeue span, "+
			"and the platform finalized the inject without a result: it may be requeuing that complete; message acknowledged without running the inject again",
			injectField(ctx, id), zap.Duration("sent_ago", recent.Ago), zap.Duration("ingest_window", recent.Window),
			zap.Duration("requeue_span", recent.Requeue))
	default:
		h.log.Info("a complete of the inject was sent within the platform's ingestion window, which may not show it yet: "+
			"message acknowledged without running the inject again",
			injectField(ctx, id), zap.Duration("sent_ago", recent.Ago), zap.Duration("ingest_window", recent.Window))
	}
	h.forgetStarts(id)
	return true, nil
}

// copyHeld reports whether the redelivered message of inject id, its
// state in (read without error when statusErr is nil), is settled without
// a run: its inject finished, or a complete of it sent within the
// ingestion window and not launched again since (launchedAgain,
// sentRecently). err is the pause of a read of the outbox that met
// another process's lock.
func (h *Handler) copyHeld(ctx context.Context, id string, in InjectState, statusErr error, finished bool) (bool, error) {
	if finished {
		return true, nil
	}
	if again, err := h.launchedAgain(ctx, id, in, statusErr); again || err != nil {
		return false, err
	}
	return h.sentRecently(ctx, id, statusErr != nil || Finished(in.Status), statusErr)
}

// stateRefused returns the serve.UnauthorizedError of a read of inject
// id's state that the platform refused to the token (401, 403), nil
// otherwise: the token's failure, after which nothing can tell a copy of
// a message already run from the inject launched again (launchedAgain),
// so the message is kept for a later try, neither run nor acknowledged
// unrun (sentRecently would hold it as a copy: a launch left EXECUTING).
func (h *Handler) stateRefused(id, injector string, err error) error {
	var auth *AuthorizationError
	if !errors.As(authorization(err, id, false, h.cfg.Processor.profile.client.cfg.Token == ""), &auth) {
		return nil
	}
	return &serve.UnauthorizedError{Err: fmt.Errorf("inject %s: its state cannot be read: %w", id, auth), Key: id, Injector: injector}
}

// launchedAgain reports, saying so, whether the platform shows inject id
// (in, read without error) launched again since the "complete" of it
// sent within the ingestion window (InjectState.LaunchedAgain): its
// message is a new run asked for, which sentRecently does not hold. A
// read of the outbox that meets another process's lock pauses it, as
// sentRecently's.
func (h *Handler) launchedAgain(ctx context.Context, id string, in InjectState, err error) (bool, error) {
	if err != nil {
		return false, nil
	}
	recent, ok, err := h.cfg.Processor.recentCompleteRead(id, false)
	if err != nil {
		return false, h.lockedPause(ctx, id, "the completes sent", err)
	}
	if !ok || !in.LaunchedAgain(recent.At) {
		return false, nil
	}
	h.log.Info("the platform launched the inject again after its complete was sent (dispatched since, no complete trace): running it",
		injectField(ctx, id), zap.String("status", in.Status), zap.Time("dispatched", in.Sent),
		zap.Duration("complete_sent_ago", recent.Ago))
	return true, nil
}

// waiting reports whether a terminal callback of inject id already waits
// in the outbox: its message is a redelivery after the consumer that ran
// it stopped, and the result will be resent from the outbox. err is the
// outbox's failure to say (outbox.ErrLocked: another process keeps it
// locked past the lock timeout), found false then.
func (h *Handler) waiting(id string) (found bool, err error) {
	_, found, err = h.cfg.Store.PendingOf(id, h.cfg.Processor.profile.Owns)
	return err == nil && found, err
}
