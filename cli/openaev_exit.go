package cli

import (
	"errors"
	"net/http"

	"github.com/injectkit/injectkit/openaev"
	"github.com/injectkit/injectkit/runtime"
)

// openAEVExit maps a profile outcome to an exit code: an invalid inject
// (its terminal INVALID_USAGE delivered or printed) is a usage error,
// anything else a delivery failure (see deliveryExit); a reception the
// platform never acknowledged, or asset-group members it failed to list,
// is one too, with a hint that nothing ran (unless an interrupt cut the
// wait short: see platformWait.notRunInterrupted, exit 130).
func openAEVExit(o Options, cfg *runConfig, err error, dump func(*runtime.Report, error)) error {
	var de *runtime.DeliveryError
	var me *openaev.MessageError
	var ve *openaev.ValidationError
	var nr *openaev.NotReceivedError
	var tu *openaev.TargetsUnavailableError
	switch {
	case errors.As(err, &de) && de.Rejection != nil && de.Rejection.Err != nil:
		return rejectionExit(o, cfg, err, de)
	case errors.As(err, &de) && de.Stored+de.Dead > 0:
	case errors.As(err, &me), errors.As(err, &ve):
		return &ExitError{Code: ExitUsage, Err: err, Hint: cfg.receptionHint(err)}
	case errors.As(err, &nr):
		return &ExitError{Code: ExitDelivery, Err: err, Hint: cfg.receptionHint(err)}
	case errors.As(err, &tu):
		return &ExitError{Code: ExitDelivery, Err: err,
			Hint: "the platform failed to list an asset group's members, so the inject did not run and nothing was sent or stored; run it again once the platform answers"}
	}
	return deliveryExit(o, cfg, err, dump)
}

// receptionHint is the hint of an inject's reception that failed (err),
// whether the inject was to run or to be refused: the platform holds the
// inject without a status (a 404 too: MessageError.Statusless), does not
// know the inject (404), or did not acknowledge the reception (a dry run:
// its stdout could not be written), so that nothing ran; "" for any other
// error.
func receptionHint(err error) string {
	var ae *openaev.APIError
	var nr *openaev.NotReceivedError
	var me *openaev.MessageError
	switch {
	case errors.As(err, &me) && me.Statusless:
		// 2.4.0 answers the reception 404 when the inject has no status
		// (InjectApi.java:374), which its GET shows.
		return "the inject exists on the platform but has no status: the platform answers 404 to the reception of an inject it has " +
			"not dispatched (a scenario's inject before its simulation launches it, or one whose simulation was reset since); " +
			"launch it on the platform, and run the message the platform then sends"
	case errors.As(err, &ae) && ae.Op == "reception" && ae.Status == http.StatusNotFound:
		return "the platform answers 404 for an inject it does not know " +
			"(or deleted; before OpenAEV 2.0.0, also for one the token has no rights on): check the inject id, and the token's rights on a 1.x platform"
	case errors.As(err, &nr) && isStdoutError(err):
		// A dry run prints the reception: no platform was involved.
		return "the dry run prints the platform's calls to stdout, which could not be written, so the inject did not run"
	case errors.As(err, &nr):
		return "the platform did not acknowledge the reception, so the inject did not run and nothing was stored; run it again once the platform answers"
	}
	return ""
}

// receptionHint is receptionHint and, for a 404 of a platform that
// showed no inject, urlHint: the backend URL may be wrong. A reception's
// 404 with the platform's own body (elementNotFound) is the platform's
// word on the inject: no URL hint. Any other 404 (no such route, another
// server, a proxy) is more likely a wrong URL: its hint comes first.
func (c *runConfig) receptionHint(err error) string {
	var me *openaev.MessageError
	var ae *openaev.APIError
	switch {
	case errors.As(err, &me) && me.Statusless:
		return receptionHint(err) // the platform answered for the inject
	case errors.As(err, &ae) && ae.Op == "reception" && ae.Status == http.StatusNotFound:
		if elementNotFound(ae) {
			return receptionHint(err)
		}
		return joinHints(c.urlHint(err), receptionHint(err))
	}
	return joinHints(receptionHint(err), c.urlHint(err))
}

// elementNotFound reports whether ae, a 404, carries the body OpenAEV
// (2.0.0 and later) answers for an element it does not hold: RestBehavior's
// handleElementNotFoundException, {"message":"Element not found: …"},
// which PermissionService.hasPermission's lookup of an inject
// (InjectService.inject) throws for @AccessControl's routes. No route of
// the platform, and no proxy, answers it for a wrong URL.
func elementNotFound(ae *openaev.APIError) bool {
	return notHeldBody(ae.Body)
}

// rejectionExit is the exit of an inject refused (bad input: exit 2, 130
// when a second interrupt stopped the sending) whose rejection callback
// was not delivered: one line with the refusal as it reads when that
// callback is delivered, naming the field and the value, then where the
// callback waits (the outbox, for `outbox flush`, or its dead list), or,
// kept nowhere, why it failed, with the hint of its reception when that
// failed (receptionHint).
func rejectionExit(o Options, cfg *runConfig, err error, de *runtime.DeliveryError) error {
	code := ExitUsage
	if o.Abort.Fired() {
		code = ExitInterrupted
	}
	rk := &rejectionKept{refused: de.Rejection.Err, kept: "its rejection callback was not delivered: " + de.Err.Error(), cause: de.Err}
	hint := cfg.receptionHint(de.Err)
	if de.Stored+de.Dead > 0 {
		rk.kept, hint = storedMessage(o, de, cfg).Error(), storedHint(o, cfg, err, de)
	}
	return &ExitError{Code: code, Err: rk, Hint: hint}
}

// rejectionKept is the error of an inject refused whose rejection
// callback was not delivered: the refusal, then what became of the
// callback. It unwraps to the refusal, which relabelUsage names where
// the user wrote it, and to what the callback's delivery failed with (a
// dry run's stdout not written, which the line says: see Run).
type rejectionKept struct {
	refused error
	kept    string
	cause   error
}

func (e *rejectionKept) Error() string   { return e.refused.Error() + "; " + e.kept }
func (e *rejectionKept) Unwrap() []error { return []error{e.refused, e.cause} }
