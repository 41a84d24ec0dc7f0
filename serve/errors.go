package serve

import (
	"context"
	"errors"
	"fmt"
	"time"

	"go.uber.org/zap"

	"github.com/injectkit/injectkit/internal/httpx"
)

// permanentError marks an error that retrying cannot fix.
type permanentError struct {
	err      error
	injector string // the injector of the message, "" when unknown
}

func (e *permanentError) Error() string { return e.err.Error() }
func (e *permanentError) Unwrap() error { return e.err }

// Permanent marks err as permanent: a Handler returns it for a message that
// can never succeed (the daemon rejects it without requeue), a Registrar for
// a registration that retrying cannot fix (a refused token: Run returns it).
// Permanent(nil) is nil.
func Permanent(err error) error {
	if err == nil {
		return nil
	}
	return &permanentError{err: err}
}

// PermanentFor is Permanent naming the injector the message is for, which
// the line logging its rejection carries ("" when unknown).
func PermanentFor(err error, injector string) error {
	if err == nil {
		return nil
	}
	return &permanentError{err: err, injector: injector}
}

// IsPermanent reports whether err, or an error it wraps, was marked by
// Permanent. Only that mark counts: whether another package's error is
// permanent is for the adapter between it and the daemon to decide.
func IsPermanent(err error) bool {
	var p *permanentError
	return errors.As(err, &p)
}

// DroppedError is what a Handler returns when it drops the result of a
// message whose inject ran (held in memory, neither delivered nor kept
// anywhere) because the shutdown abandoned it (see Abandoner): the
// message goes back to the queue, and the inject runs again where it is
// taken. The daemon says so in the one line settling the message, at
// ERROR; the Handler logs nothing of it.
type DroppedError struct{ Err error }

func (e *DroppedError) Error() string { return e.Err.Error() }

// Unwrap returns the failure of the result's last try.
func (e *DroppedError) Unwrap() error { return e.Err }

// A RejectionTeller is a Handler's error that says whether the delivery
// it failed was of an inject's refusal (the inject did not run: its
// reception and INVALID_USAGE, say), not of a run's result
// (runtime.DeliveryError is one). The daemon's line saying that the
// shutdown's requeue dropped it (ErrRequeued) names which was dropped.
type RejectionTeller interface {
	error
	OfRejection() bool
}

// ReasonUnauthorized is the /healthz reason while the platform refuses
// the daemon's token.
const ReasonUnauthorized = "platform refuses the token: check its rights"

// A RefusalReasoner is an error saying why the platform refuses the
// daemon's requests when the token's rights are not what to check (a
// tenant the token's user is no member of): while such a refusal is the
// last, /healthz says its RefusalReason instead of ReasonUnauthorized
// ("" keeps ReasonUnauthorized).
type RefusalReasoner interface {
	error
	RefusalReason() string
}

// UnauthorizedError is what a Handler returns when the platform refused a
// request of the message's handling for authorization (a 401, a 403, or
// the 404 a platform older than OpenAEV 2.0.0 answers for access denied). It is the token's
// failure, not the message's, and never a reason to reject the message or
// to run its inject again:
//
//   - with Durable set, the result is kept elsewhere (an outbox resends
//     it): the message is acknowledged;
//   - with Ran set and not Durable, the inject ran and its result was
//     refused with nowhere to keep it (no outbox): the message is
//     acknowledged all the same, so that the inject does not run again,
//     and the daemon's one ERROR line says the result is lost, with
//     LogFields (the Handler logs nothing of it: log or return);
//   - otherwise nothing ran: the message is kept unacknowledged by its
//     worker (never returned to the broker, whose queue may drop it after
//     a delivery limit) and handed to the Handler again, flagged
//     redelivered, after RequeueDelay and once the consumption is not
//     paused (a pause for the token ends with a registration accepted),
//     until the requests of the message with the same Key (its inject)
//     have been refused Daemon.AuthFailures times and a registration was
//     accepted since the first refusal (the token works; only this inject
//     is refused); it is then rejected without requeue, so that one
//     inject the token may not see (or that no longer exists) does not
//     come back for ever.
//
// Either way /healthz turns unhealthy with ReasonUnauthorized (or the
// RefusalReason of Err, when it has one) until a later message succeeds, and after Daemon.AuthFailures of them in a row
// the daemon stops consuming until a registration succeeds again.
type UnauthorizedError struct {
	Err     error
	Durable bool
	Ran     bool
	// Key names what the message is about (its inject id); "" never
	// rejects it.
	Key string
	// Injector labels the inject in the metrics when its message is
	// rejected ("" when unknown).
	Injector string
	// LogFields are added to the daemon's line about the refusal: what
	// a result refused with Ran set held (the signatures lost), and how
	// long its delivery took.
	LogFields []zap.Field
}

func (e *UnauthorizedError) Error() string { return e.Err.Error() }

// Unwrap returns the refusal.
func (e *UnauthorizedError) Unwrap() error { return e.Err }

// Unauthorized marks err as an authorization failure (see
// UnauthorizedError); durable says whether the result is kept for a
// resend. Unauthorized(nil, …) is nil.
func Unauthorized(err error, durable bool) error {
	if err == nil {
		return nil
	}
	return &UnauthorizedError{Err: err, Durable: durable}
}

// PauseError is what a Handler returns when it cannot take messages for
// now and did not handle this one: nothing ran (its outbox is full, say).
// The daemon stops consuming (the messages already pushed to it and not
// handed to a worker go back to the queue) and turns /healthz unhealthy
// with Reason; it consumes again once Wait returns nil. The message's
// worker keeps it unacknowledged meanwhile, never returning it to the
// broker, whose queue may drop it after a delivery limit when pauses
// repeat, and hands it to the Handler again, flagged redelivered (with
// Delivery.Pauses counting the pauses, not Retries: no failure), once
// every pause has ended.
type PauseError struct {
	Err error
	// Reason is the reason of the pause when it starts, logged, and the
	// /healthz reason while paused when Current is nil: "outbox full: 900
	// of 1000 bytes stored, 0 reserved for 0 results in flight; the next
	// needs 200" say.
	Reason string
	// Current, when not nil, is the reason as the Handler last found it:
	// /healthz reads it at each request while paused (Reason when it
	// returns ""). It must answer at once, from memory: a probe that
	// waits (for a lock, a disk) past its timeout gets the pod killed.
	Current func() string
	// Wait returns nil once the Handler can take messages again, or
	// ctx's error when ctx ends first.
	Wait func(ctx context.Context) error
}

func (e *PauseError) Error() string { return e.Err.Error() }

// Unwrap returns the cause of the pause.
func (e *PauseError) Unwrap() error { return e.Err }

// registerTimeout bounds one registration, the version read before it
// included.
const registerTimeout = 30 * time.Second

// retryNoteKey is the context key of a registration's retry note (see
// NoteRetry).
type retryNoteKey struct{}

// withRetryNote returns ctx carrying note, which NoteRetry calls.
func withRetryNote(ctx context.Context, note func(error)) context.Context {
	return context.WithValue(ctx, retryNoteKey{}, note)
}

// NoteRetry tells the daemon that an attempt of the registration whose
// context is ctx failed with err and that another attempt follows: while
// the first registration has not succeeded, /healthz gives err's
// HealthReason (see HealthReasoner) with "(retrying)", where it would
// otherwise say only that the registration is failing until the last
// attempt failed. A Registrar that retries calls it; it does nothing with
// a context Register was not called with.
func NoteRetry(ctx context.Context, err error) {
	if note, ok := ctx.Value(retryNoteKey{}).(func(error)); ok && err != nil {
		note(err)
	}
}

// registerTimeoutError is a registration cut short by registerTimeout.
// last is, when the limit ended a wait between two attempts (no request
// in flight: a Retry-After, a backoff), the failure of the attempt before
// it, which the platform answered; nil when an attempt was cut short.
type registerTimeoutError struct{ err, last error }

func (e *registerTimeoutError) Error() string {
	if e.last != nil {
		return fmt.Sprintf("not accepted within %s (the limit of a registration), which ended while waiting to retry after: %v",
			registerTimeout, e.last)
	}
	return fmt.Sprintf("%s (the limit of a registration): %v", httpx.NoAnswer(registerTimeout), e.err)
}

func (e *registerTimeoutError) Unwrap() error { return e.err }

// HealthReason says that the platform did not answer in time, or, when it
// answered and the limit ended the wait for the next attempt, what it
// answered.
func (e *registerTimeoutError) HealthReason() string {
	if e.last == nil {
		return httpx.NoAnswer(registerTimeout)
	}
	why := "not accepted"
	var hr HealthReasoner
	if errors.As(e.last, &hr) && hr.HealthReason() != "" {
		why = hr.HealthReason()
	}
	return why + " (its retry was due after the registration's limit of " + registerTimeout.String() + ")"
}
