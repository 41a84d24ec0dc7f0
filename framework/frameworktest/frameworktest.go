// Package frameworktest offers what a third party needs to test an
// injector: a scriptable fake executor, Inject, and Conformance, which
// checks the contract every executor must keep (and, given a testing.TB
// that records failures, can itself be tested).
//
// Which to call:
//
//   - Conformance(t, ex, targets...): the contract, on the executor's
//     default params and its settings' defaults. It fails on a required
//     param (which has no default), and wherever Configure refuses a
//     required setting left empty.
//   - ConformanceWith(t, ex, Options{Targets, Params, Settings}): the
//     same, the live inject given those targets, params (decoded over the
//     defaults as the runtime decodes them) and settings (handed to
//     Configure). ConformanceWith's doc lists every check.
//   - RegistryConformance(t, reg, name, Options{…}): the executor as a
//     framework.Registry builds it under name, the name the runtime gives
//     it (a manifest naming itself otherwise is logged, not failed).
//   - Inject(t, ex, targets...) and InjectWith: an inject for calling
//     Execute directly, with the default params and a logger writing to t.
//     It configures nothing: call a Configurer's Configure before Execute.
//   - WantInvalid(t, err, field): the error of a check (Validate,
//     Configure) refuses field, as a *signatures.ValidationError.
//
// Checking what the OpenAEV platform accepts is openaev.ValidateManifest's
// and openaevtest's, not this package's.
package frameworktest

import (
	"context"
	"sync"

	"github.com/injectkit/injectkit/framework"
)

// Executor is a fake executor whose behaviour is its fields. The zero
// value returns success at once.
type Executor struct {
	// Output is returned when Run is nil.
	Output framework.ToolOutput
	// Run, when set, is called by Execute.
	Run func(ctx context.Context, cfg *framework.Inject) framework.ToolOutput
	// Category, when set, is the category its manifest declares.
	Category framework.Category

	mu    sync.Mutex
	calls []*framework.Inject
}

// Interface guards.
var (
	_ framework.Executor   = (*Executor)(nil)
	_ framework.Manifester = (*Executor)(nil)
)

// Execute records the call and runs Run or returns Output.
func (e *Executor) Execute(ctx context.Context, cfg *framework.Inject) framework.ToolOutput {
	e.mu.Lock()
	e.calls = append(e.calls, cfg)
	e.mu.Unlock()
	if e.Run != nil {
		return e.Run(ctx, cfg)
	}
	return e.Output
}

// Manifest declares the fake's category.
func (e *Executor) Manifest() framework.Manifest {
	return framework.Manifest{Name: "fake", Category: e.Category, Description: "a fake executor for tests"}
}

// Calls returns the injects Execute was called with.
func (e *Executor) Calls() []*framework.Inject {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]*framework.Inject(nil), e.calls...)
}
