package runtime

import (
	"context"
	"errors"
	"fmt"
	"time"

	"go.uber.org/zap"

	"github.com/injectkit/injectkit/framework"
	"github.com/injectkit/injectkit/signatures"
)

// Run takes one request through the whole lifecycle (see the package
// doc): prepare, the deliverer's Received hook, execute under the
// deadline, compile the signatures, deliver the report. It is the only
// lifecycle: every wire profile runs through it.
//
// An invalid request is a *RequestError, nothing runs, and a
// Rejecter deliverer reports it (a *DeliveryError when that failed); a
// *RequestError from Received is one too. Any other error from
// Received is returned as it is. A delivery failure is a
// *DeliveryError carrying the report. Otherwise the report is returned,
// whatever the tool's outcome; with a *hook.PanicError when the
// executor's Close panicked after the delivery.
//
// A panic of the executor's checks (ValidateTargets, the params'
// Validate, ValidateParams, Configure) is recovered as a panic of Execute:
// the executor is not run, and the outcome is failed, its message naming
// the injector and the method.
//
// The failures Run returns are logged, once each, unless the request's
// caller logs them (Request.CallerLogs); a refusal is named as the
// request's intake names its fields (Request.NameRejection).
func (rt *Runtime) Run(ctx context.Context, req Request) (_ *Report, err error) {
	start := rt.now()
	p, err := rt.prepare(req)
	if err != nil {
		return nil, rt.refuse(ctx, &Rejection{Request: req, Err: err}, start)
	}
	defer func() { err = rt.closed(p, err) }()
	if r, ok := rt.deliverer.(Receiver); ok {
		if err := r.Received(ctx, p); err != nil {
			var re *RequestError
			if errors.As(err, &re) {
				// The profile refuses the request itself (a target its
				// size limit can never hold): an invalid request.
				return nil, rt.refuse(ctx, &Rejection{Request: p.Request, Err: err}, start)
			}
			if !req.CallerLogs {
				rt.injectLog(req).Error("inject not received; not run", zap.Duration("duration", rt.now().Sub(start)), zap.Error(err))
			}
			return nil, err
		}
	}
	log := rt.injectLog(p.Request) // the inject's lines, its fields encoded once
	r, err := rt.execute(ctx, p, log)
	if err != nil {
		return nil, rt.refuse(ctx, &Rejection{Request: p.Request, Err: err, Received: true}, start)
	}
	return r, rt.deliver(context.WithoutCancel(ctx), r, log, req.CallerLogs)
}

// Reject reports an inject its intake refuses before it has a valid
// request (an unreadable platform message that names its inject, say):
// the refusal is logged (unless req.CallerLogs), and a Rejecter deliverer
// reports it, cause named by req.NameRejection as Run names a refusal.
// The error is a *DeliveryError when that report failed, else nil.
func (rt *Runtime) Reject(ctx context.Context, req Request, cause error) error {
	err := rt.refuse(ctx, &Rejection{Request: req, Err: cause}, rt.now())
	var de *DeliveryError
	if errors.As(err, &de) {
		return de
	}
	return nil
}

// refuse logs a rejection once (unless its request's caller logs it:
// Request.CallerLogs) and hands it to a Rejecter deliverer, its cause
// named as the request's intake names it (Request.NameRejection). It
// returns the cause, or a *DeliveryError when the rejection could not be
// delivered.
func (rt *Runtime) refuse(ctx context.Context, rej *Rejection, start time.Time) error {
	rej.Err = rej.Request.namedRejection(rej.Err)
	log := rt.injectLog(rej.Request)
	if !rej.Request.CallerLogs {
		log.Warn("inject rejected", zap.Duration("duration", rt.now().Sub(start)), zap.Error(rej.Err))
	}
	rj, ok := rt.deliverer.(Rejecter)
	if !ok {
		return rej.Err
	}
	t := rt.now()
	if err := rj.Rejected(ctx, rej); err != nil {
		de := deliveryError(nil, err)
		de.Rejection, de.Duration = rej, rt.now().Sub(t)
		if !rej.Request.CallerLogs {
			log.Error("rejection not delivered", zap.Duration("duration", de.Duration), zap.Error(err))
		}
		return de
	}
	return rej.Err
}

// deliver hands a report to the Deliverer, observing and logging the
// outcome on log, the inject's (injectLog); a failure it returns is
// logged only when its caller does not log it (callerLogs, the request's
// Request.CallerLogs).
func (rt *Runtime) deliver(ctx context.Context, r *Report, log *zap.Logger, callerLogs bool) error {
	if rt.deliverer == nil {
		return nil
	}
	t := rt.now()
	err := rt.deliverer.Deliver(ctx, r)
	d := rt.now().Sub(t)
	rt.observer.OnDelivered(r, d, err)
	fields := append([]zap.Field{zap.Int("targets", len(r.Targets)), zap.String("status", string(r.Status)), zap.Duration("duration", d)},
		r.executed...)
	if err != nil {
		de := deliveryError(r, err)
		de.Duration, de.What = d, DeliveryOf(rt.deliverer)
		if callerLogs {
			return de
		}
		if de.Outbox != "" {
			fields = append(fields, zap.String("outbox", de.Outbox), zap.Int("stored", de.Stored), zap.Int("dead", de.Dead))
		}
		log.Error("delivery failed", append(fields, zap.Error(err))...)
		return de
	}
	log.Info(deliveredMsg(rt.deliverer), fields...)
	return nil
}

// deliveredMsg is the log line of a successful delivery, "delivered": a
// Deliverer that sends nothing (one that prints the bodies) names what it
// did instead, with a method DeliveredAs.
func deliveredMsg(d Deliverer) string {
	if n, ok := d.(interface{ DeliveredAs() string }); ok {
		return n.DeliveredAs()
	}
	return "delivered"
}

func deliveryError(r *Report, err error) *DeliveryError {
	de := &DeliveryError{Report: r, Err: err}
	var se *StoredError
	if errors.As(err, &se) {
		de.Outbox, de.Stored, de.Dead = se.Outbox, se.Pending, se.Dead
	}
	return de
}

// execute runs a prepared inject and compiles its signatures and payload,
// without delivering them, logging on log, the inject's (injectLog). An
// error is a *RequestError when the pre-execution signatures
// refuse the targets; the inject did not run.
func (rt *Runtime) execute(ctx context.Context, p *Prepared, log *zap.Logger) (*Report, error) {
	in := p.inject
	in.Log = log

	t0 := rt.now()
	// The runtime's own targets and types, which the executor never sees
	// (it is handed copies; an executor that only reads them, the
	// targets): the signatures are compiled from them.
	targets := p.Targets
	pre, err := rt.sigs.Batch(len(targets), func(i int) signatures.Config { return targets[i].Config },
		signatures.PerRoute(p.routes))
	if err != nil {
		return nil, &RequestError{Err: err}
	}
	compiled := rt.now().Sub(t0)
	logStep(log, rt.stepLevel, "pre-execution signatures compiled", func() []zap.Field {
		return []zap.Field{zap.Int("targets", pre.Len()), zap.String("category", string(p.category)), zap.Duration("duration", compiled)}
	})

	t1 := rt.now()
	stopWatch := rt.watch(p, in, t1)
	var out framework.ToolOutput
	stopRoutes := func() {}
	keyOf := framework.Target.ExtrasKey
	if pe := p.panicked; pe != nil {
		// No route is looked up, nor name resolved: a check panicked
		// before the executor could say it sends to its targets
		// (p.routes is nil), and it never ran.
		log.Debug("executor panic", zap.String("method", pe.Method), zap.String("panic", fmt.Sprint(pe.Value)), zap.ByteString("stack", pe.Stack))
		out = rt.panicOutput(pe.Error())
	} else {
		// Copied now, not when the request was prepared: the copy is not
		// held through the deliverer's Received checks.
		in.Targets = p.handed()
		if !p.readsOnly {
			keyOf = handedKeys(targets, in.Targets) // before the executor may write there
		}
		// The report's route lookups overlap the executor's run; the
		// host names left when it returns take one name-lookup timeout
		// at most (signatures.RouteSources.Prefetch).
		stopRoutes = p.routes.Prefetch(len(targets), func(i int) signatures.Config { return targets[i].Config })
		out = rt.callExecutor(ctx, p, log)
	}
	ran := rt.now().Sub(t1) // the executor's, not the copy's below
	// The run ends here, for end_time: not after the source addresses'
	// lookups waited for below (stopRoutes), which are no part of it.
	ended := rt.sigs.EndedNow()
	// The runtime's own copy of the output, before anything reads it (see
	// ownOutput). A Secret setting leaves the process in none of what the
	// executor returns: every profile, stdout and the outbox are made from
	// this copy.
	redact := outputRedaction(p.secrets, rt.logRedact)
	out, keyedTwice := ownOutput(out, redact, keyOf)
	var unknown []string
	if out.TargetStatus, unknown = knownStatus(out.TargetStatus); len(unknown) > 0 {
		log.Warn("executor gave targets outcomes that are none of success, partial, failed, timeout; ignored",
			zap.String("target_names", namedKeys(redactStrings(redact, unknown))))
	}
	notReached, stray := byPosition(out.Unreached, targets) // keyed by ownOutput
	if len(stray) > 0 {
		log.Warn("executor named as not reached targets it was not given; ignored", zap.String("target_names", namedKeys(stray)))
	}
	addrs, stray := byPosition(out.TargetAddresses, targets) // keyed by ownOutput
	if len(stray) > 0 {
		log.Warn("executor gave addresses of targets it was not given; ignored", zap.String("target_names", namedKeys(stray)))
	}
	out = outcomeReached(out, notReached) // a run cut short stays a timeout
	stopWatch(snapshotStatus(out))
	// Waited for after the executor's time is taken, in the payload's: the
	// host-wide address lookup the prefetch starts with may outlast a
	// short run, and a slow one shows in the "payload built" duration.
	t2 := rt.now()
	stopRoutes()
	var partial []string
	if out.Status == framework.StatusTimeout {
		partial = redactStrings(redact, in.PartialResults())
	}
	reported := len(in.PartialResults())
	executed := func(folded bool) []zap.Field {
		fields := []zap.Field{zap.Int("targets", pre.Len()), zap.String("status", string(out.ExecutionStatus())),
			zap.Int("results_reported", reported), zap.Duration("duration", ran)}
		if folded { // the last line's: its own targets, status and duration
			fields = []zap.Field{zap.Duration("ran", ran)}
			if reported > 0 {
				fields = append(fields, zap.Int("results_reported", reported))
			}
		}
		if n := countNotReached(notReached); n > 0 {
			fields = append(fields, zap.Int("not_reached", n))
		}
		if out.ErrorInfo != nil && out.ErrorInfo.Message != "" {
			key := "error"
			if folded { // "delivery failed"'s error is the delivery's
				key = "injector_error"
			}
			fields = append(fields, zap.Int("exit_code", out.ErrorInfo.ExitCode), zap.String(key, LoggedMessage(out.ErrorInfo.Message, rt.logRedact)))
		}
		return fields
	}
	logStep(log, rt.stepLevel, "executed", func() []zap.Field { return executed(false) })
	var folded []zap.Field
	if rt.folded() {
		folded = executed(true)
	}
	// The executor is done with its inject (one abandoned after its
	// deadline keeps its own reference, and may still write in its copy
	// of the targets, which nothing reads): its copy of the targets is
	// not held through the delivery.
	p.inject = nil

	r := &Report{InjectID: p.Request.InjectID, Injector: p.Request.Injector, Phase: p.Request.Phase,
		Category: p.category, Targets: targets, Manifest: p.Manifest, Types: p.types, Started: t1, Indirect: !p.direct,
		LogFields: p.Request.LogFields, executed: folded}
	err = rt.build(r, pre, out, partial, notReached, keyedTwice, redact, log, ended, addressesOption(addrs))
	if err != nil {
		// Not an outcome of the tool's (compile makes a failed outcome of
		// any output it returns): the inject ran all the same, and its
		// observer is told so, as of every run (see Observer).
		r.Status, r.Finished, r.sigs, r.payload = framework.StatusFailed, rt.now(), nil, nil
	} else {
		built := rt.now().Sub(t2)
		logStep(log, rt.stepLevel, "payload built", func() []zap.Field {
			return []zap.Field{zap.Int("targets", r.sigs.Len()), zap.String("status", string(r.Status)), zap.Duration("duration", built)}
		})
	}
	rt.observer.OnExecuted(r, ran, err)
	if err != nil {
		return nil, err
	}
	return r, nil
}

// build compiles the post-execution signatures and the payload of r from
// pre and out, the executor's output (the runtime's own copy), partial its
// partial results, notReached the targets it did not reach (by position)
// and keyedTwice the targets its extras keyed twice; secrets are the
// Secret settings' values, redacted from the messages it makes; opts are
// the post-execution batch's options (signatures.Manager.EndedNow, the
// run's end; the addresses of host name targets). On an
// error r's Output is the one compiled so far.
func (rt *Runtime) build(r *Report, pre *signatures.Batch, out framework.ToolOutput, partial, notReached []string, keyedTwice []framework.Target, redact func(string) string, log *zap.Logger, opts ...signatures.PostOption) error {
	targets := r.Targets
	post, out, err := rt.compile(pre, out, partial, notReached, redact, log, opts...)
	r.Output = out
	if err != nil {
		return err
	}
	var stray []string
	r.sigs, r.Status, r.notReached = post, out.Status, notReached
	if r.targetStatus, stray = byPosition(out.TargetStatus, targets); len(stray) > 0 { // keyed by ownOutput
		log.Warn("executor gave outcomes of targets it was not given; ignored", zap.String("target_names", namedKeys(stray)))
	}
	if out.Status == framework.StatusTimeout {
		r.Partial = partial
	}
	if r.extras, err = byTarget(out.TargetExtras, keyedTwice, targets); err != nil {
		log.Warn("executor returned extras for a target it was not given, or twice; target extras ignored", zap.Error(err))
		r.Output.TargetExtras = nil
	}
	rng, err := post.PayloadRange(r.attribution, r.Types, out.ExtraByType, r.extras...)
	if err != nil {
		log.Error("executor extras rejected; signatures sent without them", zap.Error(err))
		r.Output.ExtraByType, r.Output.TargetExtras, r.extras = nil, nil, nil
		if rng, err = post.PayloadRange(r.attribution, r.Types, nil); err != nil {
			return err
		}
	}
	r.payload, r.Finished = rng, rt.now()
	return nil
}

// compile compiles the post-execution signatures of out, the targets of
// notReached (by position) holding only their status and why. Malformed output
// becomes a failed outcome rather than a lost inject; extras and findings
// JSON cannot encode are left out of it, the rest kept. The output
// returned has its Status set to the outcome; the messages it makes
// (which quote what the executor returned) are redacted of secrets.
func (rt *Runtime) compile(pre *signatures.Batch, out framework.ToolOutput, partial, notReached []string, redact func(string) string, log *zap.Logger, opts ...signatures.PostOption) (*signatures.Batch, framework.ToolOutput, error) {
	err := out.Validate()
	if err == nil {
		var bad []error
		if out, bad = unencodable(out); len(bad) > 0 {
			log.Error("executor extras or findings JSON cannot encode left out", unencodableFields(bad)...)
			out, partial = redactMessage(redact, failedFor(out, bad)), nil
		}
	}
	var post *signatures.Batch
	if err == nil {
		post, err = rt.sigs.Post(pre, compileInput(out, partial), append([]signatures.PostOption{signatures.PostLogger(log), notReachedOption(notReached)}, opts...)...)
	}
	if err != nil {
		log.Error("executor output rejected", zap.Error(err))
		findings, _ := signatures.UnencodableExtras("findings", out.Findings) // the run fails already
		out = framework.ToolOutput{Status: framework.StatusFailed, Findings: findings,
			ErrorInfo: &framework.ErrorInfo{ExitCode: 1, Message: "invalid executor output: " + err.Error()}}
		out = redactMessage(redact, out)
		if post, err = rt.sigs.Post(pre, compileInput(out, nil), append([]signatures.PostOption{signatures.PostLogger(log), notReachedOption(notReached)}, opts...)...); err != nil {
			return nil, out, err
		}
	}
	out.Status = out.ExecutionStatus()
	return post, out, nil
}

// panicOutput is the outcome of an executor that panicked: failed, exit
// code 1, crashed now (to the nanosecond: the end time is rounded up from
// it, so a run that panicked within its first second ends after it
// starts).
func (rt *Runtime) panicOutput(msg string) framework.ToolOutput {
	return framework.ToolOutput{Status: framework.StatusFailed, ErrorInfo: &framework.ErrorInfo{ExitCode: 1,
		CrashTimestamp: rt.now().UTC().Format(time.RFC3339Nano), Message: msg}}
}
