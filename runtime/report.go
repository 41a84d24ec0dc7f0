package runtime

import (
	"iter"
	"time"

	"go.uber.org/zap"

	"github.com/injectkit/injectkit/framework"
	"github.com/injectkit/injectkit/signatures"
)

// Report is everything known about a finished inject, handed to a
// Deliverer.
type Report struct {
	InjectID string
	Injector string
	Phase    string
	Category framework.Category
	// Status is the outcome the signatures carry.
	Status signatures.ExecutionStatus
	// Output is the executor's output, Status set to the outcome (after
	// the runtime marked a timeout or a recovered panic).
	Output framework.ToolOutput
	// Partial holds the results reported through Inject.Partial when the
	// outcome is a timeout, else nil; each target's signature holds those
	// that name it (its partial_results).
	Partial []string
	// Targets are the inject's targets. The runtime lays each one's
	// signature, extras, reason not reached and outcome out by position
	// over them: a Deliverer reads them and never reorders, adds or
	// removes one (a copy of a Report with other Targets would read, at
	// position i, what the runtime made of another target).
	Targets []framework.Target
	// Manifest is the executor's, nil when it has none.
	Manifest *framework.Manifest
	// Indirect is set when the executor's traffic did not go to its
	// targets' own addresses: it is no framework.DirectSender, or its
	// SendsToTargets reported false for this inject (it calls an API about
	// them, query and cloudscan, or sends nothing, noop). A wire profile
	// whose collectors match target addresses on network events (openaev)
	// leaves them out of such a run's signatures.
	Indirect bool
	Types    []framework.ExpectationType
	Started  time.Time
	Finished time.Time
	// LogFields are the request's (Request.LogFields: a daemon's channel
	// and delivery_tag), for a Deliverer or an Observer that logs about
	// the inject to add after its inject_id, as the runtime's lines do.
	LogFields []zap.Field

	sigs   *signatures.Batch      // one post-execution signature per target
	extras []framework.TypeExtras // Output.TargetExtras by position, checked
	// notReached is Output.Unreached by position ("": reached), nil
	// when every target was reached.
	notReached []string
	// targetStatus is Output.TargetStatus by position ("": none of its
	// own), nil when the executor gave none.
	targetStatus []framework.ExecutionStatus
	payload      signatures.PayloadRange // PayloadTargets by ranges
	// executed are the "executed" line's fields its run's last line
	// carries when the steps' lines are below INFO (see WithStepLevel).
	executed []zap.Field
}

// Signature returns the post-execution signature of target i, built when
// asked for: a report holds what the signatures share and its Targets,
// never one signature per target. A Report built outside the runtime has
// no signatures: Signature returns the zero Signature.
func (r *Report) Signature(i int) signatures.Signature {
	if r.sigs == nil {
		return signatures.Signature{}
	}
	return r.sigs.Signature(i)
}

// Signatures yields the post-execution signature of every target, in
// order (see Signature).
func (r *Report) Signatures() iter.Seq2[int, signatures.Signature] {
	if r.sigs == nil {
		return func(func(int, signatures.Signature) bool) {}
	}
	return r.sigs.All()
}

// TargetExtras returns the per-target extras of target i as its payload
// carries them (nil: none, or the run's were not sent). A Report built
// outside the runtime finds them in Output.TargetExtras as the runtime
// would (framework.Target.ExtrasKey; none when a key names no target, or
// two name one with different extras), looking at every key and every
// target on each call: what reads the extras of every target ranges over
// AllTargetExtras.
func (r *Report) TargetExtras(i int) framework.TypeExtras {
	if extras := r.targetExtras(); extras != nil {
		return extras[i]
	}
	return nil
}

// AllTargetExtras yields each target with per-target extras, in order,
// with them (see TargetExtras); the extras of a Report built outside the
// runtime are matched to its targets once a range.
func (r *Report) AllTargetExtras() iter.Seq2[int, framework.TypeExtras] {
	return func(yield func(int, framework.TypeExtras) bool) {
		for i, te := range r.targetExtras() {
			if te != nil && !yield(i, te) {
				return
			}
		}
	}
}

// targetExtras is the targets' extras by position, nil when none has
// any: the runtime's, or for a Report built outside it, matched now.
func (r *Report) targetExtras() []framework.TypeExtras {
	if r.sigs != nil {
		return r.extras
	}
	keyed, twice := extrasKeys(r.Output.TargetExtras, framework.Target.ExtrasKey, nil)
	extras, err := byTarget(keyed, twice, r.Targets)
	if err != nil {
		return nil
	}
	return extras
}

// NotReached returns why the executor sent nothing to target i
// (framework.ToolOutput.Unreached), "" when it did not say it did not
// reach it. Such a target's signature holds the run's status and that
// reason alone. A Report built outside the runtime finds it in
// Output.Unreached as the runtime would (framework.Target.ExtrasKey),
// looking at every reason and every target on each call: what reads the
// reason of every target ranges over Unreached.
func (r *Report) NotReached(i int) string {
	if r.sigs == nil {
		notReached := notReachedOf(r.Output.Unreached, r.Targets)
		if notReached == nil {
			return ""
		}
		return notReached[i]
	}
	if r.notReached == nil {
		return ""
	}
	return r.notReached[i]
}

// Unreached yields each target the executor sent nothing to, in order,
// with why (see NotReached); the reasons of a Report built outside the
// runtime are matched to its targets once a range.
func (r *Report) Unreached() iter.Seq2[int, string] {
	return func(yield func(int, string) bool) {
		notReached := r.notReached
		if r.sigs == nil {
			notReached = notReachedOf(r.Output.Unreached, r.Targets)
		}
		for i, why := range notReached {
			if why != "" && !yield(i, why) {
				return
			}
		}
	}
}

// TargetStatus returns the outcome of target i of its own
// (framework.ToolOutput.TargetStatus), "" when the executor gave none:
// the run's Status alone cannot tell it, but for a successful run, every
// target of which succeeded. A target not reached (NotReached) was not
// reached, whatever this says. A Report built outside the runtime finds it
// in Output.TargetStatus as the runtime would (framework.Target.ExtrasKey,
// an outcome that is none of the four left out), looking at every outcome
// and every target on each call: what reads the outcome of every target
// ranges over TargetStatuses.
func (r *Report) TargetStatus(i int) framework.ExecutionStatus {
	if own := r.ownStatus(); own != nil {
		return own[i]
	}
	return ""
}

// TargetStatuses yields each target with an outcome of its own, in order,
// with it (see TargetStatus); the outcomes of a Report built outside the
// runtime are matched to its targets once a range.
func (r *Report) TargetStatuses() iter.Seq2[int, framework.ExecutionStatus] {
	return func(yield func(int, framework.ExecutionStatus) bool) {
		for i, st := range r.ownStatus() {
			if st != "" && !yield(i, st) {
				return
			}
		}
	}
}

// ownStatus is the targets' own outcomes by position, nil when none has
// one: the runtime's, or for a Report built outside it, matched now.
func (r *Report) ownStatus() []framework.ExecutionStatus {
	if r.sigs != nil {
		return r.targetStatus
	}
	keyed, _ := knownStatus(statusKeys(r.Output.TargetStatus, framework.Target.ExtrasKey))
	own, _ := byPosition(keyed, r.Targets)
	return own
}

// attribution returns the attribution of target i.
func (r *Report) attribution(i int) signatures.Attribution { return r.Targets[i].Attribution }

// PayloadTargets streams the report's payload, one target at a time (see
// signatures.PayloadTargets: each yielded target is valid until the next,
// and is read-only: its values are reused for the targets after it, so a
// caller that changes one copies it first).
// A Report built outside the runtime has no payload.
func (r *Report) PayloadTargets() iter.Seq2[int, signatures.PayloadTarget] {
	rng, n := r.PayloadRange()
	return rng(0, n)
}

// PayloadRange returns the report's payload by ranges of targets (see
// signatures.PayloadRange), and its number of targets: ranges can be
// read apart, each in a goroutine of its own. A Report built outside the
// runtime has no payload (0 targets).
func (r *Report) PayloadRange() (signatures.PayloadRange, int) {
	if r.payload == nil {
		return func(int, int) iter.Seq2[int, signatures.PayloadTarget] {
			return func(func(int, signatures.PayloadTarget) bool) {}
		}, 0
	}
	return r.payload, r.sigs.Len()
}

// Payload materialises the report's whole payload. Large payloads are
// better streamed with PayloadTargets.
func (r *Report) Payload() (signatures.Payload, error) {
	if r.sigs == nil {
		return signatures.BuildPayload(nil, nil, r.Types, r.Output.ExtraByType, r.extras...)
	}
	return r.sigs.Payload(r.attribution, r.Types, r.Output.ExtraByType, r.extras...)
}
