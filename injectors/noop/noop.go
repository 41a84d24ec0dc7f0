// Package noop is the built-in injector that acts on nothing: it turns its
// targets into signatures with a chosen outcome. It serves dry runs, demos,
// benchmarks and tests of the pipeline itself, and accepts targets of any
// category.
package noop

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/injectkit/injectkit/framework"
	"github.com/injectkit/injectkit/signatures"
)

// Params are the noop injector's parameters; the manifest's params are
// derived from them (framework.ParamsSpec).
type Params struct {
	// Delay is how long the run lasts; with a delay, one partial result per
	// target is reported first.
	Delay time.Duration `json:"delay" doc:"how long the run lasts; when set, one partial result per target is reported first"`
	// Outcome is success, partial or failed.
	Outcome string `json:"outcome" param:"enum=success|partial|failed" doc:"the outcome to report"`
}

// Validate checks the outcome.
func (p *Params) Validate() error { return paramEnums.Check(p) }

// paramEnums checks Params' enums, its tags parsed once.
var paramEnums = framework.NewEnumCheck[Params]()

func defaultParams() *Params { return &Params{Outcome: "success"} }

// Executor is the noop injector.
type Executor struct{}

// New returns a noop executor.
func New() *Executor { return &Executor{} }

// Interface guards.
var (
	_ framework.Executor      = (*Executor)(nil)
	_ framework.Manifester    = (*Executor)(nil)
	_ framework.ParamsFactory = (*Executor)(nil)
	_ framework.TargetsReader = (*Executor)(nil)
	_ framework.Validator     = (*Params)(nil)
)

// Manifest documents the injector.
func (e *Executor) Manifest() framework.Manifest {
	return framework.Manifest{
		Name:         "noop",
		Description:  "Does nothing to its targets and reports their signatures with the chosen outcome (dry runs, demos, benchmarks).",
		Params:       framework.MustParamsSpec(e.NewParams()),
		Expectations: []signatures.ExpectationType{signatures.Detection, signatures.Prevention},
		Outputs:      []framework.Output{{Type: "text", Field: "summary"}},
		// noop runs anywhere and acts on nothing: it declares no platform
		// (none is required, and "any" is not a platform type) and no
		// security platforms (any may answer its expectations).
	}
}

// ReadsTargetsOnly reports true: Execute reads its targets (one partial
// result each, with a delay) and keeps nothing of them, so the runtime
// hands it its own targets, uncopied.
func (*Executor) ReadsTargetsOnly() bool { return true }

// NewParams returns the defaults.
func (*Executor) NewParams() any { return defaultParams() }

// Execute reports one partial result per target when a delay is set, waits
// the delay (honouring cancellation), then reports the chosen outcome.
func (*Executor) Execute(ctx context.Context, cfg *framework.Inject) framework.ToolOutput {
	p, err := framework.ParamsOf[Params](cfg)
	if err != nil {
		p = defaultParams()
	}
	if p.Delay > 0 {
		for _, t := range cfg.Targets {
			cfg.Partial(pending(t.Config))
		}
		timer := time.NewTimer(p.Delay)
		defer timer.Stop()
		select {
		case <-ctx.Done():
			// The partial results reported go with the timeout.
			return framework.ToolOutput{Status: framework.StatusTimeout}
		case <-timer.C:
		}
	}
	summary := fmt.Sprintf("noop: %d target(s), outcome %s", len(cfg.Targets), p.Outcome)
	out := framework.ToolOutput{Findings: map[string]any{"summary": summary}}
	switch p.Outcome {
	case "partial":
		out.Status = framework.StatusPartial
	case "failed":
		out.Status = framework.StatusFailed
		out.ErrorInfo = &framework.ErrorInfo{ExitCode: 1, Message: "noop: failure requested"}
	}
	return out
}

// pending is the partial result reported for a target before the delay. It
// names the target in the words a timed-out run sends a result to its
// target's signatures by (signatures.TargetNames): "127.0.0.1 pending",
// "aws:1:eu-west-1 pending", and for a query, the query narrowed to its
// target before ": " ("port:22 ip:192.0.2.1: pending"), so that targets
// sharing a query each get their own.
func pending(c signatures.Config) string {
	if v, ok := c.(signatures.ExternalConfig); ok {
		q := strings.TrimSpace(v.Query)
		if v.TargetIPv4 != "" {
			q += " ip:" + v.TargetIPv4
		}
		if v.TargetHostname != "" {
			q += " hostname:" + v.TargetHostname
		}
		return q + ": pending"
	}
	return describe(c) + " pending"
}

func describe(c signatures.Config) string {
	switch v := c.(type) {
	case signatures.NetworkConfig:
		return v.Value()
	case signatures.CloudConfig:
		return v.CloudProvider + ":" + v.CloudAccountID + ":" + v.CloudRegion
	}
	return "target"
}
