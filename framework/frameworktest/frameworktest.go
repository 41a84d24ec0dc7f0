// Package frameworktest offers what a third party needs to test an
// injector: a scriptable fake executor, Inject, and Conformance, which
// checks the contract every executor must keep (and, given a testing.TB
// that records failures, can itself be tested).
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
