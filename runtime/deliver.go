package runtime

import (
	"context"
	"fmt"
	"time"
)

// Deliverer sends a report to where it belongs: a wire profile (package
// transport/callback's, package openaev's), optionally made durable by
// transport/outbox.Deliverer. Deliver is called once per executed inject,
// with a context that outlives the caller's cancellation.
type Deliverer interface {
	Deliver(ctx context.Context, r *Report) error
}

// Receiver is implemented by a Deliverer whose wire profile acknowledges
// an inject before it runs (the openaev profile's reception and first
// trace), or checks before the run that it can send the report (the
// callback profile's size limit). Run calls Received once the request is
// prepared (valid, its executor built) and before the executor runs; an
// error stops the run: nothing is executed. A *RequestError
// says the request itself cannot be served: Run refuses it as an invalid
// request (logged once, handed to a Rejecter with Rejection.Received
// unset, so the hook returns one only before acknowledging anything); any
// other error Run returns as it is.
type Receiver interface {
	Received(ctx context.Context, p *Prepared) error
}

// Rejecter is implemented by a Deliverer whose wire profile reports an
// inject that will not run (the openaev profile's terminal INVALID_USAGE
// callback). Run calls Rejected when the request is invalid; an intake
// that refuses an inject before it has a valid request calls
// Runtime.Reject.
type Rejecter interface {
	Rejected(ctx context.Context, r *Rejection) error
}

// Rejection is an inject the runtime, or its intake, refused to run.
type Rejection struct {
	// Request is the request as given; an intake that could not build one
	// gives what it knows (the inject id).
	Request Request
	// Err says why: a *RequestError, or the intake's own error.
	Err error
	// Received is set when the deliverer's Received hook already ran for
	// this inject.
	Received bool
}

// Observer is told about every inject the runtime executes, as
// node_exporter's execute() times every collector: how long the executor
// ran, and how long the delivery took (err is the deliverer's). Its
// methods are called from Run's goroutine and must not block.
//
// OnExecuted is called once for every inject whose executor was called
// (or one of whose checks panicked), whatever became of it, before its
// delivery; never for an inject refused before it ran. r is never nil.
// err is nil, or the runtime's error building the run's report (its
// post-execution signatures or payload): no output of the executor's
// causes one, as a malformed output compiles to a failed outcome, so
// it is the runtime's bug. r then names the inject and holds its
// targets, start, end and the executor's output as compiled so far, but
// no signatures; its Status is failed. Run does not deliver it: it
// returns err, and a Rejecter reports the inject refused (OnDelivered
// is not called).
type Observer interface {
	OnExecuted(r *Report, d time.Duration, err error)
	OnDelivered(r *Report, d time.Duration, err error)
}

// DeliveryError reports a failed delivery: of a report (attached, so that
// nothing is lost) or of a rejection. When the deliverer kept the bodies in
// an outbox (a *StoredError), Outbox, Stored and Dead say where and how
// many.
type DeliveryError struct {
	Report    *Report    // nil for a rejection
	Rejection *Rejection // nil for a report
	Err       error
	// Outbox is the path of the outbox holding the bodies, "" when none
	// was stored.
	Outbox string
	// Stored bodies wait in the outbox for a resend; Dead bodies were
	// rejected for good and wait in its dead list.
	Stored, Dead int
	// Duration is how long the delivery took, retries included.
	Duration time.Duration
	// What names what was delivered of the report, as its deliverer
	// says (DeliveryOf): "signatures" (the callback profile's, and when
	// empty), "result" (the openaev profile's complete and traces).
	What string
}

func (e *DeliveryError) Error() string {
	if e.Report == nil && e.Rejection != nil {
		return "deliver rejection: " + e.Err.Error()
	}
	what := e.What
	if what == "" {
		what = "signatures"
	}
	return "deliver " + what + ": " + e.Err.Error()
}

// DeliveryOf names what d delivers of a report, for the errors of its
// delivery ("deliver <it>: …"): what its method Delivers returns (the
// openaev profile's "result": a complete callback, per-target traces,
// which may carry no signature at all), else "signatures" (the callback
// profile's bodies). d is a Deliverer, or a profile a Deliverer sends
// the bodies of (transport/outbox's); one wrapping another says what it
// does.
func DeliveryOf(d any) string {
	if n, ok := d.(interface{ Delivers() string }); ok {
		return n.Delivers()
	}
	return "signatures"
}

func (e *DeliveryError) Unwrap() error { return e.Err }

// OfRejection reports whether the delivery was of a rejection (the
// inject did not run), not of a report (serve.RejectionTeller).
func (e *DeliveryError) OfRejection() bool { return e.Report == nil && e.Rejection != nil }

// StoredError reports bodies a deliverer could not deliver and kept in an
// outbox for a later resend: from then on they survive a crash, and a
// queue message can be acknowledged while Pending > 0.
type StoredError struct {
	Outbox  string // path of the outbox file
	Pending int    // bodies kept for a later resend
	Dead    int    // bodies the backend rejected for good, in the dead list
	Err     error  // the delivery failure
}

func (e *StoredError) Error() string {
	return fmt.Sprintf("%v; kept in outbox %s: %d pending, %d dead", e.Err, e.Outbox, e.Pending, e.Dead)
}

// Unwrap returns the delivery failure.
func (e *StoredError) Unwrap() error { return e.Err }
