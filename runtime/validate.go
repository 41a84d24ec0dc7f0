package runtime

import (
	"context"
	"errors"
)

// Validate checks req as Run would before executing it, and stops there:
// the request's fields, its targets, the injector, its params and its
// settings (prepare), then each check's Received hook on the prepared
// inject. Nothing is executed, the runtime's deliverer is not called
// (its Received hook may acknowledge the inject, as the openaev profile's
// does), and the executor is closed before Validate returns. Give as checks only hooks that send nothing: transport/callback's
// Deliverer and Printer check the size limit that way.
//
// An invalid request is a *RequestError; a check's error that is
// not one is wrapped in one. A panic of one of the executor's methods is a
// *hook.PanicError. The prepared inject is returned for a summary
// (its executor already closed).
func (rt *Runtime) Validate(ctx context.Context, req Request, checks ...Receiver) (_ *Prepared, err error) {
	p, err := rt.prepare(req)
	if err != nil {
		return nil, err
	}
	defer func() { err = rt.closed(p, err) }()
	if p.panicked != nil {
		return nil, p.panicked
	}
	for _, c := range checks {
		if err := c.Received(ctx, p); err != nil {
			var re *RequestError
			if !errors.As(err, &re) {
				err = &RequestError{Err: err}
			}
			return nil, err
		}
	}
	return p, nil
}

// RequestError reports an inject that cannot run as requested: an unknown
// injector, bad targets, params or settings. Nothing was executed or sent
// (a wire profile may still report the refusal, see Rejecter). Run,
// Validate and DecodeInjectFile return one for every refusal of the request; the
// runtime wraps what a validator returns in one.
type RequestError struct {
	Err error // why: a *signatures.ValidationError names the field
}

func (e *RequestError) Error() string { return e.Err.Error() }
func (e *RequestError) Unwrap() error { return e.Err }
