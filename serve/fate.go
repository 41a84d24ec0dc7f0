package serve

import (
	"errors"
	"sync"
	"time"

	"go.uber.org/zap"
)

// At the shutdown timeout a message whose inject still runs is returned
// to the queue (unless its Handler keeps its result: see Abandoner), and
// the inject runs again, in full, where the message is taken: the result
// of the run here, when it ends (cut short, or late), must then be
// neither stored nor sent, or the platform gets two results for one
// inject, one of them a run that was given up. Its Handler says when the
// result's delivery begins (Executed): the shutdown's requeue and that
// call are decided here, one before the other, never both.

// fate decides, under its lock, between the Handler's Executed and the
// shutdown's requeue, which comes first.
type fate struct {
	mu         sync.Mutex
	delivering bool // Executed came first: the result is being delivered
	dropped    bool // the shutdown requeued the message first
}

// delivering reports whether the result of j's inject may be delivered
// (Executed): not once the shutdown requeued its message; from then on
// the shutdown does not drop it (see drop).
func (j *job) delivering() bool {
	j.fate.mu.Lock()
	defer j.fate.mu.Unlock()
	if !j.fate.dropped {
		j.fate.delivering = true
	}
	return j.fate.delivering
}

// drop marks the result of j's inject as dropped before the shutdown
// requeues its message, and reports whether it was, that is, whether its
// delivery had not begun (Executed): a later Executed refuses it.
func (j *job) drop() bool {
	j.fate.mu.Lock()
	defer j.fate.mu.Unlock()
	if !j.fate.delivering {
		j.fate.dropped = true
	}
	return j.fate.dropped
}

// handled starts a handling of j's message: whether its result's delivery
// began is asked of this handling alone (one run again after a transient
// failure runs its inject afresh).
func (j *job) handled() {
	j.fate.mu.Lock()
	defer j.fate.mu.Unlock()
	j.fate.delivering = false
}

// requeueFailed settles a message whose handling failed transiently once
// the shutdown started, or whose result the Handler dropped (a
// *DroppedError): it is not handled again here but returned to the
// queue, unless the shutdown settled it already, and one line says what
// became of it.
func (r *runner) requeueFailed(j *job, err error, dropped bool) {
	settled, nerr := j.settleAs(OutcomeRequeued, func() error { return j.dl.Nack(false, true) })
	log := j.logger()
	fields := []zap.Field{zap.Duration("duration", time.Since(j.started)), zap.Error(err)}
	if settled && nerr != nil {
		r.metrics.message(OutcomeChannelClosed) // back with the broker all the same
	}
	switch {
	case settled && nerr == nil:
		r.metrics.message(OutcomeRequeued)
	case !settled && j.kept():
		log.Warn("shutting down: the message was acknowledged by the shutdown, its result kept", fields...)
		return
	case settled && !dropped:
		log.Warn("shutting down: the message is not returned, its channel closed: the broker delivers it again", fields...)
		return
	}
	// Returned to the queue: by this call, the shutdown or its channel's close.
	switch {
	case errors.Is(err, ErrRequeued):
		log.Warn(requeuedLine(err), fields...)
		return
	case dropped:
		log.Error("shutdown timeout: the inject's result, held in memory and not delivered, is dropped; its message goes back to the queue and the inject will run again", fields...)
		return
	}
	log.Warn("shutting down: the message is returned to the queue, not handled again here", fields...)
}

// requeuedLine is the WARN of a handling whose Executed returned
// ErrRequeued, err the Handler's error: it says what was dropped, the
// inject's refusal when err says the handling delivered one (a
// RejectionTeller: its inject never ran), else the run's result.
func requeuedLine(err error) string {
	if rt, ok := errors.AsType[RejectionTeller](err); ok && rt.OfRejection() {
		return "shutdown timeout: the message was returned to the queue while it was handled; this handling's refusal of the inject " +
			"(which did not run) is dropped, neither stored nor sent, and the message is handled again where it is taken"
	}
	return "shutdown timeout: the message was returned to the queue while its inject ran; this run's result is dropped, " +
		"neither stored nor sent, and the inject runs again where the message is taken"
}
