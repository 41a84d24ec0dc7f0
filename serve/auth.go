package serve

import (
	"crypto/sha256"
	"errors"
	"strconv"
	"sync"

	"go.uber.org/zap"
)

// authState tracks the platform's refusals of the daemon's token (see
// UnauthorizedError): how many distinct messages were refused in a row,
// whether the last outcome was one, and the pause of the consumption they
// cause.
type authState struct {
	limit int
	// pause asks the consume loop to stop consuming.
	pause chan<- struct{}

	mu      sync.Mutex
	inARow  int
	streak  map[string]bool        // the keys refused in this streak: a message refused again counts once
	refused bool                   // the last outcome was a refusal
	byKey   map[string]keyRefusals // the refusals of each message kept for one, by UnauthorizedError.Key
	regs    uint64                 // registrations accepted so far
	counted map[string]bool        // the messages refused and not yet settled, by refusedID: each is counted once
	reason  string                 // the last refusal's RefusalReason, "" for ReasonUnauthorized
	resume  chan struct{}          // non-nil while paused; closed by the next successful registration
}

func newAuthState(limit int, pause chan<- struct{}) *authState {
	return &authState{limit: limit, pause: pause}
}

// failed records a refusal of the message of key and reports how many
// distinct messages were refused in a row, and whether this one starts a
// pause. The same message refused again (key seen in this streak: its
// redelivery) does not count again: one message alone never pauses the
// daemon.
func (a *authState) failed(key string) (inARow int, pause bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.refused = true
	if key == "" || !a.streak[key] {
		a.inARow++
		if key != "" && len(a.streak) < maxKeys {
			if a.streak == nil {
				a.streak = map[string]bool{}
			}
			a.streak[key] = true
		}
	}
	if a.inARow < a.limit {
		return a.inARow, false
	}
	return a.inARow, a.pauseLocked()
}

// because records why the last refusal was made (an error's
// RefusalReason, "" for the token's rights).
func (a *authState) because(reason string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.reason = reason
}

// why is the /healthz reason of the token refused: the last refusal's
// RefusalReason, else ReasonUnauthorized.
func (a *authState) why() string {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.reason != "" {
		return a.reason
	}
	return ReasonUnauthorized
}

// firstRefusal records a refusal of the message id names (see refusedID)
// and reports whether it is its first since it was last settled:
// injectkit_auth_failures_total counts messages, not refusals. Past
// maxKeys messages the record starts again (a message then refused again
// is counted twice).
func (a *authState) firstRefusal(id string) bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.counted[id] {
		return false
	}
	if a.counted == nil || len(a.counted) >= maxKeys {
		a.counted = map[string]bool{}
	}
	a.counted[id] = true
	return true
}

// settled drops the record of the refusals of a message once it is
// acknowledged, rejected or handled (see firstRefusal), the message named
// by refusedAs (the id it was counted under, "" when none) and by key and
// body: the same inject delivered later and refused again counts again.
func (a *authState) settled(refusedAs, key string, body []byte) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if len(a.counted) == 0 {
		return
	}
	delete(a.counted, refusedAs)
	delete(a.counted, refusedID(key, body))
}

// refusedID names a refused message for firstRefusal: by its key (its
// inject), else by its body (a redelivery carries the same).
func refusedID(key string, body []byte) string {
	if key != "" {
		return "key:" + key
	}
	sum := sha256.Sum256(body)
	return "body:" + string(sum[:])
}

// pauseNow starts a pause; it reports false when one is under way.
func (a *authState) pauseNow() bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.pauseLocked()
}

func (a *authState) pauseLocked() bool {
	if a.resume != nil {
		return false
	}
	a.resume = make(chan struct{})
	requestPause(a.pause)
	return true
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

// again records one more refusal of the message of key and reports how
// many it had, whether that reaches the limit, and whether a registration
// was accepted since its first refusal. A message is rejected only once
// both hold: the token itself works and only this message's inject is
// refused (a token refused everywhere fails the registrations too, and no
// message is ever rejected for it).
func (a *authState) again(key string) (n int, due, registeredSince bool) {
	if key == "" {
		return 0, false, false
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
	a.byKey[key] = k
	return k.n, k.n >= a.limit, a.regs != k.regs
}

// forget drops the count of the message of key, rejected.
func (a *authState) forget(key string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	delete(a.byKey, key)
}

// succeeded records a message handled without a refusal.
func (a *authState) succeeded() {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.inARow, a.refused, a.streak = 0, false, nil
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
		a.resume, a.inARow, a.streak = nil, 0, nil
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

// refusalSettled drops the record of j's refusals, j acknowledged,
// rejected or handled.
func (r *runner) refusalSettled(j *job) {
	r.auth.settled(j.refusedAs, j.name(), j.dl.Body)
}

// unauthorized settles a job whose handling the platform refused for
// authorization (see UnauthorizedError): acknowledged when its result is
// durable or its inject ran, otherwise kept by its worker and handled
// again (it reports whether) until its own refusals reach the limit, then
// rejected; the message is counted at its first refusal, and the
// consumption paused after limit distinct messages refused in a row. A kept message is never
// returned to the broker, whose queue may drop it after a delivery limit
// (a quorum queue's) while the token stays refused: it is handled again
// after RequeueDelay, once the consumption is no longer paused.
func (r *runner) unauthorized(j *job, ue *UnauthorizedError, log *zap.Logger) (again bool) {
	reason := ""
	var rr RefusalReasoner
	if errors.As(ue.Err, &rr) {
		reason = rr.RefusalReason()
	}
	r.auth.because(reason)
	if reason == "" {
		reason = ReasonUnauthorized
	}
	n, pause := r.auth.failed(ue.Key)
	j.refusedAs = refusedID(ue.Key, j.dl.Body)
	if r.auth.firstRefusal(j.refusedAs) {
		r.metrics.authFailure()
	}
	if pause {
		// Before the retry's delay: a registration during it ends the
		// pause, and the gauge follows the state in that order.
		r.syncPaused()
		r.log.Error("consumption paused: the platform refused the token for "+strconv.Itoa(n)+" messages in a row; "+
			"consuming again after the next successful registration", zap.String("reason", reason),
			zap.Int("auth_failures", r.auth.limit))
	}
	if ue.Key != "" && ue.Key != j.name() {
		log = log.With(zap.String("inject_id", ue.Key))
	}
	ack := func() {
		r.refusalSettled(j)
		if settled, aerr := j.settleAs(OutcomeAcked, func() error { return j.dl.Ack(false) }); settled && aerr == nil {
			r.metrics.message(OutcomeAcked)
		}
	}
	switch {
	case ue.Durable:
		log.Error("the platform refuses the token; the result is kept for a resend and the message acknowledged",
			append(ue.LogFields, zap.String("reason", reason), zap.Int("in_a_row", n), zap.Error(ue.Err))...)
		ack()
		return false
	case ue.Ran:
		log.Error("the platform refuses the token; the inject ran and no outbox keeps its result: the result is lost to the platform, "+
			"the message acknowledged so that the inject does not run again",
			append(ue.LogFields, zap.String("reason", reason), zap.Int("in_a_row", n), zap.Error(ue.Err))...)
		ack()
		return false
	}
	times, due, since := r.auth.again(ue.Key)
	if due && !since {
		// Its limit reached with no registration since its first refusal:
		// one now says whether the token works.
		_, err := r.register(r.ctx, "registration (token check)")
		since = err == nil
		if !since && r.auth.pauseNow() {
			r.syncPaused()
			r.log.Error("consumption paused: the platform refused a message's requests "+strconv.Itoa(times)+
				" times and a registration failed; consuming again after the next successful registration",
				zap.String("reason", reason), zap.Error(err))
		}
	}
	if !due || !since {
		log.Error("the platform refuses the token; the message is kept and handled again",
			zap.String("reason", reason), zap.Int("in_a_row", n), zap.Int("this_message", times),
			zap.Duration("delay", r.requeueDelay), zap.Error(ue.Err))
		return r.retryAfter(j, r.requeueDelay, true, log)
	}
	r.auth.forget(ue.Key)
	r.refusalSettled(j)
	if settled, rerr := j.settle(func() error { return j.dl.Reject(false) }); settled && rerr == nil {
		r.metrics.message(OutcomeRejected)
		r.metrics.InjectFailed(ue.Injector)
	}
	log.Error("the platform refused this message's requests "+strconv.Itoa(times)+" times while it accepted the registration: "+
		"message rejected without requeue (the platform does not know its inject, or the token has no rights on it)",
		zap.String("reason", reason), zap.Error(ue.Err))
	return false
}
