package serve

import (
	"context"
	"strconv"
	"sync"

	"go.uber.org/zap"
)

// authState tracks the platform's refusals of the daemon's token (see
// UnauthorizedError): how many came in a row, whether the last outcome was
// one, and the pause of the consumption they cause.
type authState struct {
	limit int

	mu      sync.Mutex
	inARow  int
	refused bool                   // the last outcome was a refusal
	byKey   map[string]keyRefusals // the messages requeued for a refusal, by UnauthorizedError.Key
	regs    uint64                 // registrations accepted so far
	resume  chan struct{}          // non-nil while paused; closed by the next successful registration
	// pause asks the consume loop to stop consuming (buffered: a request
	// made between two sessions is seen by the next one).
	pause chan struct{}
}

func newAuthState(limit int) *authState {
	return &authState{limit: limit, pause: make(chan struct{}, 1)}
}

// failed records a refusal and reports how many came in a row, and
// whether this one starts a pause.
func (a *authState) failed() (inARow int, pause bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.inARow++
	a.refused = true
	if a.inARow < a.limit || a.resume != nil {
		return a.inARow, false
	}
	a.resume = make(chan struct{})
	select {
	case a.pause <- struct{}{}:
	default:
	}
	return a.inARow, true
}

// keyRefusals counts the refusals of one message, and the registrations
// accepted before the first of them.
type keyRefusals struct {
	n    int
	regs uint64
}

// maxKeys bounds byKey: past it the counts start again (a count lost
// only delays a rejection).
const maxKeys = 4096

// again records one more refusal of the message of key and reports
// whether it is to be rejected: refused limit times, and a registration
// accepted since its first refusal, so that the token itself works and
// only this message's inject is refused (a token refused everywhere
// fails the registrations too, and no message is ever rejected for it).
func (a *authState) again(key string) (n int, reject bool) {
	if key == "" {
		return 0, false
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.byKey == nil || len(a.byKey) >= maxKeys {
		a.byKey = map[string]keyRefusals{}
	}
	k, seen := a.byKey[key]
	if !seen {
		k.regs = a.regs
	}
	k.n++
	if k.n < a.limit || a.regs == k.regs {
		a.byKey[key] = k
		return k.n, false
	}
	delete(a.byKey, key)
	return k.n, true
}

// succeeded records a message handled without a refusal.
func (a *authState) succeeded() {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.inARow, a.refused = 0, false
}

// registered records a successful registration: the platform accepts
// the token again, so the refusal no longer degrades the health (an idle
// queue would otherwise keep it degraded for ever), and a pause, if there
// is one, ends with the refusals in a row counted again from zero. A
// message refused again marks the token refused again.
func (a *authState) registered() {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.regs++
	a.refused = false
	if a.resume != nil {
		close(a.resume)
		a.resume, a.inARow = nil, 0
	}
}

// state returns whether the token is refused and whether consumption is
// paused.
func (a *authState) state() (refused, paused bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.refused, a.resume != nil
}

// resumed returns the channel closed when the pause ends, nil when the
// consumption is not paused.
func (a *authState) resumed() <-chan struct{} {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.resume == nil {
		return nil
	}
	return a.resume
}

// unauthorized settles a job whose handling the platform refused for
// authorization (see UnauthorizedError): acknowledged when its result is
// durable or its inject ran, requeued otherwise until its own refusals
// reach the limit, then rejected; the refusal is counted, and the
// consumption paused after limit of them in a row.
func (r *runner) unauthorized(j *job, ue *UnauthorizedError, log *zap.Logger) {
	n, pause := r.auth.failed()
	r.metrics.authFailure()
	ack := func() {
		if settled, aerr := j.settle(func() error { return j.dl.Ack(false) }); settled && aerr == nil {
			r.metrics.message(OutcomeAcked)
		}
	}
	switch {
	case ue.Durable:
		log.Warn("the platform refuses the token; the result is kept for a resend and the message acknowledged",
			zap.String("reason", ReasonUnauthorized), zap.Int("in_a_row", n), zap.Error(ue.Err))
		ack()
	case ue.Ran:
		log.Warn("the platform refuses the token; the inject ran and no outbox keeps its result: the message is acknowledged so that it does not run again",
			zap.String("reason", ReasonUnauthorized), zap.Int("in_a_row", n), zap.Error(ue.Err))
		ack()
	default:
		times, reject := r.auth.again(ue.Key)
		if !reject {
			log.Warn("the platform refuses the token; requeueing the message", zap.String("reason", ReasonUnauthorized),
				zap.Int("in_a_row", n), zap.Int("this_message", times), zap.Duration("delay", r.requeueDelay), zap.Error(ue.Err))
			r.requeue(j)
			break
		}
		if settled, rerr := j.settle(func() error { return j.dl.Reject(false) }); settled && rerr == nil {
			r.metrics.message(OutcomeRejected)
		}
		log.Error("the platform refused this message's requests "+strconv.Itoa(times)+" times while it accepted the registration: "+
			"message rejected without requeue (the platform does not know its inject, or the token has no rights on it)",
			zap.String("reason", ReasonUnauthorized), zap.String("key", ue.Key), zap.Error(ue.Err))
	}
	if pause {
		r.metrics.setPaused(true)
		r.log.Error("consumption paused: the platform refused the token for "+strconv.Itoa(n)+" messages in a row; "+
			"consuming again after the next successful registration", zap.String("reason", ReasonUnauthorized),
			zap.Int("auth_failures", r.auth.limit))
	}
}

// waitResume waits, while the consumption is paused, until a registration
// succeeds; it reports false when ctx ended first.
func (r *runner) waitResume(ctx context.Context) bool {
	ch := r.auth.resumed()
	if ch == nil {
		return true
	}
	select {
	case <-ctx.Done():
		return false
	case <-ch:
		r.metrics.setPaused(false)
		r.log.Info("consumption resumed: the platform accepted a registration")
		return true
	}
}
