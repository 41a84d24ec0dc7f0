package frameworktest_test

import (
	"context"
	"errors"
	"testing"

	"github.com/injectkit/injectkit/framework"
)

// Each of Conformance's context checks, and its check of a panicking
// NewParams, is the only one that catches the executor of its case: a case
// per check, so that a check removed fails its case (the executor that
// ignores its context altogether is caught by several, and proved none of
// them needed).
func TestConformanceChecksEachOnItsOwn(t *testing.T) {
	block := make(chan struct{})
	t.Cleanup(func() { close(block) })
	tests := []failCase{
		// Honours a cancellation that comes while it runs, and its
		// deadline, but a context already cancelled when it starts sends
		// it into a clean-up that never ends.
		{"executor ignores a context cancelled before it starts", &probe{exec: func(ctx context.Context, _ *framework.Inject) framework.ToolOutput {
			if ctx.Err() != nil {
				<-block
			}
			<-ctx.Done()
			return framework.ToolOutput{}
		}}, short, "did not return within 100ms of its context being cancelled: it must honour ctx: return what it has once ctx.Done() is closed, waiting in a select on it (not time.Sleep)"},
		// Honours a cancellation, before it starts or while it runs, but
		// takes its deadline for a hint: the runtime's deadline is the
		// one a run ends by.
		{"executor ignores its deadline", &probe{exec: func(ctx context.Context, _ *framework.Inject) framework.ToolOutput {
			<-ctx.Done()
			if errors.Is(ctx.Err(), context.DeadlineExceeded) {
				<-block
			}
			return framework.ToolOutput{}
		}}, short, "did not return within 100ms of its 300ms deadline: it must honour ctx: return what it has once ctx.Done() is closed"},
		{"NewParams panics", &probe{newParams: func() any { panic("params boom") }}, fast, "NewParams panicked: params boom"},
	}
	expectFailures(t, tests)
}
