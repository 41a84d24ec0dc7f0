package cli

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/injectkit/injectkit/runtime"
)

// What `run` prints of a result that nothing delivered and nothing keeps
// (--outbox none, an outbox with no room for it, or a dry run whose
// stdout could not be written), so that it is never lost silently: one
// stderr line, "undelivered signatures: {…}" (the callback profile) or
// "undelivered result: {…}" (the openaev profile), its JSON in the form
// of the profile that delivered, as that profile says it
// (callback.Undelivered, openaev.Undelivered), redacted of the run's
// secrets as its log lines are.

// undeliveredOf is a profile's account of what of a report its failed
// delivery (err; nil: nothing was delivered) did not deliver.
type undeliveredOf func(r *runtime.Report, err error) (any, error)

// dumpOf returns the undeliveredOf of a profile's Undelivered method,
// called with ctx.
func dumpOf[T any](ctx context.Context, f func(context.Context, *runtime.Report, error) (T, error)) undeliveredOf {
	return func(r *runtime.Report, err error) (any, error) {
		u, uerr := f(ctx, r, err)
		if uerr != nil {
			return nil, uerr
		}
		return u, nil
	}
}

// dumpWith makes the run print, for a report nothing delivered nor kept,
// what the profile delivering it (d, whose runtime.DeliveryOf names the
// line) says of it.
func (v *runView) dumpWith(d any, of undeliveredOf) {
	v.mu.Lock()
	defer v.mu.Unlock()
	v.delivers, v.undelivered = runtime.DeliveryOf(d), of
}

// dump prints to stderr what of r its delivery, failed with err, did not
// deliver, as the profile that delivered says it; a profile that cannot
// say it prints r's whole payload, as the callback profile's form has it.
func (v *runView) dump(r *runtime.Report, err error) {
	v.mu.Lock()
	what, of := v.delivers, v.undelivered
	v.mu.Unlock()
	var doc any
	if of != nil {
		if u, uerr := of(r, err); uerr == nil {
			doc = u
		}
	}
	if doc == nil {
		p, perr := r.Payload()
		if perr != nil {
			return
		}
		doc, what = map[string]any{"inject_id": r.InjectID, "phase": r.Phase, "expectation_signature": p}, "signatures"
	}
	b, merr := json.Marshal(doc)
	if merr != nil {
		return
	}
	line := fmt.Sprintf("undelivered %s: %s\n", what, b)
	if v.redact != nil {
		line = v.redact(line)
	}
	fmt.Fprint(v.o.Stderr, line)
}
