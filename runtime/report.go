package runtime

import (
	"iter"
	"time"

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
	// outcome is a timeout (the signatures' partial_results), else nil.
	Partial []string
	Targets []framework.Target
	// Manifest is the executor's, nil when it has none.
	Manifest   *framework.Manifest
	Signatures []signatures.Signature
	Types      []framework.ExpectationType
	Started    time.Time
	Finished   time.Time

	attributions []signatures.Attribution // one per target
	extras       []framework.TypeExtras   // Output.TargetExtras by position, checked
	payload      iter.Seq2[int, signatures.PayloadTarget]
}

// PayloadTargets streams the report's payload, one target at a time (see
// signatures.PayloadTargets: each yielded target is valid until the next).
// A Report built outside the runtime has no payload.
func (r *Report) PayloadTargets() iter.Seq2[int, signatures.PayloadTarget] {
	if r.payload == nil {
		return func(func(int, signatures.PayloadTarget) bool) {}
	}
	return r.payload
}

// Payload materialises the report's whole payload. Large payloads are
// better streamed with PayloadTargets.
func (r *Report) Payload() (signatures.Payload, error) {
	return signatures.BuildPayload(r.Signatures, r.attributions, r.Types, r.Output.ExtraByType, r.extras...)
}
