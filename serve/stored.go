package serve

import (
	"context"
	"errors"
	"time"

	"go.uber.org/zap"
)

// A Handler delivering its result through an outbox stores the result
// (fsync'd) before its first attempt, and the attempts may go on for
// minutes while the platform is down (each retried, with backoff). Were
// the message acknowledged only once they end, a daemon killed meanwhile
// (SIGKILL, the OOM killer, a host lost) would leave the message to the
// broker, which delivers it again at once to another daemon of the queue:
// the inject ran, its result waits in this daemon's outbox, and it runs a
// second time there, reaching its targets twice. So the message is
// acknowledged as soon as its result is stored (Stored): from then on the
// outbox, not the broker, keeps it (a restart's resender, or `injectkit
// outbox flush`, sends it).

// storedAck is the acknowledgement of a message whose result is stored:
// err is the ack's error (nil: the broker took it).
type storedAck struct{ err error }

// Stored tells the daemon that the terminal result of ctx's message (a
// Handler's context, or one derived from it) is stored for a later
// delivery, durably: the message is acknowledged at once, while the
// Handler goes on posting the result. What the Handler returns afterwards
// settles nothing more: the message is acknowledged (or its
// acknowledgement was lost with its channel, which the daemon says once
// the Handler returns, as for any other). Stored does nothing when ctx is
// not a Handler's, or once the message is settled (the shutdown returned
// it to the queue, its result then dropped: see Executed). A handling
// that ExecutedStoring left with its worker (every delivery slot held)
// then waits for a slot, its message acknowledged, before Stored returns
// (see ExecutedStoring): the Handler posts nothing before. It may be
// called from any goroutine.
func Stored(ctx context.Context) {
	s, ok := ctx.Value(stageKey{}).(*staged)
	if !ok {
		return
	}
	j := s.j
	if settled, err := j.settleAs(OutcomeAcked, func() error { return j.dl.Ack(false) }); settled {
		j.stored.Store(&storedAck{err: err})
	}
	if s.r.delivery != nil {
		s.r.afterStore(ctx, &j.stage)
	}
}

// finishStored settles the handling of a job acknowledged once its
// result was stored (see Stored): ackErr is that acknowledgement's
// error. The message is not handled again whatever err says: its inject
// ran and its result is in the outbox. It counts the message, and logs
// what the Handler's own lines do not say: an acknowledgement lost with
// its channel, a refused token (counted as any refusal), a failure after
// the result was stored.
func (r *runner) finishStored(j *job, err, ackErr error) (again bool) {
	r.retries.forget(j.dl.Body)
	var ue *UnauthorizedError
	switch {
	case errors.As(err, &ue) && (ue.Durable || ue.Ran):
		r.unauthorized(j, ue, j.logger()) // counted and said; its acknowledgement is this one
	case err == nil:
		r.auth.succeeded()
		r.refusalSettled(j)
	default:
		r.refusalSettled(j)
		j.logger().Warn("handling failed after the inject's result was stored and its message acknowledged: "+
			"the outbox keeps the result (outbox list)", zap.Duration("duration", time.Since(j.started)), zap.Error(err))
	}
	if ackErr != nil {
		if n, ok := r.d.Handler.(AckLostNoter); ok {
			n.NoteAckLost(j.name())
		}
		r.metrics.message(OutcomeChannelClosed)
		j.logger().Warn(r.lostLine("ack"), zap.Error(ackErr))
		return false
	}
	r.metrics.message(OutcomeAcked)
	return false
}
