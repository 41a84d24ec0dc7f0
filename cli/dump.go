package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"go.uber.org/zap"

	"github.com/injectkit/injectkit/runtime"
	"github.com/injectkit/injectkit/transport/callback"
)

// What `run` prints of a result that nothing delivered and nothing keeps
// (--outbox none, an outbox with no room for it, or a dry run whose
// stdout could not be written), so that it is never lost silently: one
// stderr line, "undelivered signatures: {…}" (the callback profile) or
// "undelivered result: {…}" (the openaev profile), its JSON in the form
// of the profile that delivered, as that profile says it
// (callback.Undelivered, openaev.Undelivered), or, when it cannot, the
// whole payload in the callback profile's form (callback.Whole), redacted
// of the run's secrets as its log lines are. A result that cannot be
// printed so (its payload not built, its JSON not encoded) is printed all
// the same as what the operator can act on: the inject, its injector
// and status, its targets, and why its signatures are missing
// (not_printed).

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
// say it prints r's whole payload, as the callback profile's form has it
// (callback.Whole), and a result neither can print, what is known of it
// (see unprintable).
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
		w, werr := callback.Whole(r)
		if werr != nil {
			v.printDump("signatures", unprintable(r, werr))
			return
		}
		doc, what = w, "signatures"
	}
	b, merr := json.Marshal(doc)
	if merr != nil {
		b = unprintable(r, merr)
	}
	v.printDump(what, b)
}

// printDump prints the line of dump, redacted.
func (v *runView) printDump(what string, doc []byte) {
	line := fmt.Sprintf("undelivered %s: %s\n", what, doc)
	if normalLogFormat(v.cfg.Log.Format) == "json" {
		line = dumpLogLine(what, doc)
	}
	if v.redact != nil {
		line = v.redact(line)
	}
	fmt.Fprint(v.o.Stderr, line)
}

// unprintable is the JSON printed of a report whose signatures could not
// be (err says why): its inject, injector, phase and status, and its
// targets as framework.Target.String gives them, all strings, which
// encode always.
func unprintable(r *runtime.Report, err error) []byte {
	targets := make([]string, len(r.Targets))
	for i, t := range r.Targets {
		targets[i] = t.String()
	}
	b, _ := json.Marshal(struct {
		InjectID   string   `json:"inject_id"`
		Injector   string   `json:"injector"`
		Phase      string   `json:"phase,omitempty"`
		Status     string   `json:"status"`
		Targets    []string `json:"targets"`
		NotPrinted string   `json:"not_printed"`
	}{r.InjectID, r.Injector, r.Phase, string(r.Status), targets, "the signatures could not be printed: " + err.Error()})
	return b
}

// dumpLogLine is the line printDump writes under --log-format json: an
// ERROR log line "undelivered signatures" (or "undelivered result") whose
// undelivered_signatures (undelivered_result) field holds doc nested, as
// serve logs the signatures it could not deliver, not a string to parse
// again: the plain "undelivered signatures: {…}" line was the one line of
// stderr a log pipeline could not read, and the one holding the result.
func dumpLogLine(what string, doc []byte) string {
	var b strings.Builder
	jsonLineLogger(&b).Error("undelivered "+what, zap.Any("undelivered_"+what, json.RawMessage(doc)))
	return b.String()
}
