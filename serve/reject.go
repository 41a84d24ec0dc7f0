package serve

import (
	"errors"
	"time"

	"go.uber.org/zap"
)

// rejected logs what became of a message whose handling failed for good
// (IsPermanent), its rejection tried (settled: by this call, rerr its
// error), in one WARN line with the reason: rejected without requeue
// (dead-lettered, when its queue says where); or its rejection lost with
// its channel, the broker delivering it again, so that the line does
// not send an operator to a dead-letter queue that never got it; or
// settled by the shutdown before (requeued, or acknowledged with its
// result kept), never rejected.
func (r *runner) rejected(j *job, err error, settled bool, rerr error) {
	log := j.logger()
	var pe *permanentError
	if errors.As(err, &pe) && pe.injector != "" {
		log = log.With(zap.String("injector", pe.injector))
	}
	fields := []zap.Field{zap.Duration("duration", time.Since(j.started)), zap.String("reason", err.Error())}
	switch {
	case settled && rerr == nil:
		r.metrics.message(OutcomeRejected)
		log.Warn("message rejected without requeue", fields...)
	case settled:
		if n, ok := r.d.Handler.(AckLostNoter); ok {
			n.NoteAckLost(j.name())
		}
		r.metrics.message(OutcomeChannelClosed)
		log.Warn(r.lostLine("rejection"), append(fields, zap.Error(rerr))...)
	case j.kept():
		log.Warn("refused after the shutdown acknowledged the message, its result kept: not rejected", fields...)
	default:
		log.Warn("refused after the shutdown returned the message to the queue: not rejected; "+
			"it is handled again where it is taken", fields...)
	}
}

// lostLine is the WARN of a message whose settlement (what: "ack" or
// "rejection") was lost with its channel: the broker delivers it again,
// and the Handler may say what becomes of the copy (AckLostTeller).
func (r *runner) lostLine(what string) string {
	msg := what + " lost with the channel: the broker delivers the message again, unless it restarted meanwhile (it drops a " +
		"transient message, the OpenAEV platform's, whose inject the platform's pending sweep then finalizes)"
	if t, ok := r.d.Handler.(AckLostTeller); ok {
		msg += "; " + t.AckLostCopy()
	}
	return msg
}
