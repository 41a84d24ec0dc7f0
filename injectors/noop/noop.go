// Package noop is the built-in injector that acts on nothing: it turns its
// targets into signatures with a chosen outcome. It serves dry runs, demos,
// benchmarks and tests of the pipeline itself, and accepts targets of any
// category.
package noop

import (
	"context"
	"fmt"
	"time"

	"github.com/injectkit/injectkit/framework"
	"github.com/injectkit/injectkit/signatures"
)

// Params are the noop injector's parameters.
type Params struct {
	// Delay is how long the run lasts; with a delay, one partial result per
	// target is reported first.
	Delay framework.Duration `json:"delay"`
	// Outcome is success, partial or failed.
	Outcome string `json:"outcome"`
}

// Executor is the noop injector.
type Executor struct{}

// New returns a noop executor.
func New() *Executor { return &Executor{} }

// Interface guards.
var (
	_ framework.Executor        = (*Executor)(nil)
	_ framework.Manifester      = (*Executor)(nil)
	_ framework.ParamsFactory   = (*Executor)(nil)
	_ framework.ParamsValidator = (*Executor)(nil)
)

// Manifest documents the injector.
func (*Executor) Manifest() framework.Manifest {
	return framework.Manifest{
		Name:        "noop",
		Description: "Does nothing to its targets and reports their signatures with the chosen outcome (dry runs, demos, benchmarks).",
		Params: []framework.Param{
			{Name: "delay", Type: framework.ParamDuration, Default: "0s",
				Doc: "how long the run lasts; when set, one partial result per target is reported first"},
			{Name: "outcome", Type: framework.ParamEnum, Default: "success", Enum: []string{"success", "partial", "failed"},
				Doc: "the outcome to report"},
		},
		Expectations: []signatures.ExpectationType{signatures.Detection, signatures.Prevention},
		Outputs:      []framework.Output{{Type: "text", Field: "summary"}},
		// noop runs anywhere and acts on nothing: it declares no platform
		// (none is required, and "any" is not a platform type) and no
		// security platforms (any may answer its expectations).
	}
}

// NewParams returns the defaults.
func (*Executor) NewParams() any { return &Params{Outcome: "success"} }

// ValidateParams checks the outcome.
func (*Executor) ValidateParams(p any) error {
	pp, ok := p.(*Params)
	if !ok {
		return fmt.Errorf("noop: unexpected params type %T", p)
	}
	switch pp.Outcome {
	case "success", "partial", "failed":
		return nil
	}
	return &signatures.ValidationError{Field: "params.outcome", Value: pp.Outcome, Reason: "not one of success, partial, failed"}
}

// Execute reports one partial result per target when a delay is set, waits
// the delay (honouring cancellation), then reports the chosen outcome.
func (*Executor) Execute(ctx context.Context, cfg *framework.Inject) framework.ToolOutput {
	p, _ := cfg.Params.(*Params)
	if p == nil {
		p = &Params{Outcome: "success"}
	}
	if p.Delay > 0 {
		for _, t := range cfg.Targets {
			cfg.Partial(describe(t.Config) + " pending")
		}
		timer := time.NewTimer(time.Duration(p.Delay))
		defer timer.Stop()
		select {
		case <-ctx.Done():
			return framework.ToolOutput{Status: framework.StatusTimeout,
				TimeoutInfo: &framework.TimeoutInfo{PartialResults: cfg.PartialResults()}}
		case <-timer.C:
		}
	}
	summary := fmt.Sprintf("noop: %d target(s), outcome %s", len(cfg.Targets), p.Outcome)
	out := framework.ToolOutput{Findings: map[string]any{"summary": summary}}
	switch p.Outcome {
	case "partial":
		out.Status = framework.StatusPartial
	case "failed":
		out.ErrorInfo = &framework.ErrorInfo{ExitCode: 1, Message: "noop: failure requested"}
	}
	return out
}

func describe(c signatures.Config) string {
	switch v := c.(type) {
	case signatures.NetworkConfig:
		return v.Value()
	case signatures.CloudConfig:
		return v.CloudProvider + ":" + v.CloudAccountID + ":" + v.CloudRegion
	case signatures.ExternalConfig:
		return v.Query
	}
	return "target"
}
