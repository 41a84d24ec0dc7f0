package runtime_test

import (
	"context"
	"testing"

	"github.com/injectkit/injectkit/framework"
	"github.com/injectkit/injectkit/runtime"
	"github.com/injectkit/injectkit/signatures"
)

// readingExecutor is a fake executor with a TargetsValidator that says,
// through ReadsTargetsOnly, whether it only reads its targets.
type readingExecutor struct {
	*checkingExecutor
	reads bool
}

func (r *readingExecutor) ReadsTargetsOnly() bool { return r.reads }

var _ framework.TargetsReader = (*readingExecutor)(nil)

// TestExecutorReadingOnlyIsHandedTheRuntimesTargets checks that an
// executor whose ReadsTargetsOnly reports true is handed the runtime's own
// targets, the report's, by ValidateTargets and Execute, uncopied; that
// one reporting false, or not saying, is handed a copy of its own for
// each; and that, either way, the extras Execute keys by a target it was
// handed (one given as a pointer configuration) reach that target.
func TestExecutorReadingOnlyIsHandedTheRuntimesTargets(t *testing.T) {
	tests := []struct {
		name   string
		ex     func(c *checkingExecutor) framework.Executor
		shared bool
	}{
		{"reads only", func(c *checkingExecutor) framework.Executor { return &readingExecutor{c, true} }, true},
		{"may write", func(c *checkingExecutor) framework.Executor { return &readingExecutor{c, false} }, false},
		{"does not say", func(c *checkingExecutor) framework.Executor { return c }, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var validated, executed *framework.Target
			c := &checkingExecutor{check: func(targets []framework.Target) { validated = &targets[0] }}
			c.Run = func(_ context.Context, in *framework.Inject) framework.ToolOutput {
				executed = &in.Targets[0]
				return framework.ToolOutput{Status: framework.StatusSuccess,
					TargetExtras: map[framework.Target]framework.TypeExtras{in.Targets[1]: {framework.Detection: {"process_name": "x"}}}}
			}
			rt, _ := newRuntime(t, tt.ex(c), &recorder{})
			r, err := rt.Run(context.Background(), runtime.Request{Injector: "fake",
				Typed: []framework.Target{given, {Config: &signatures.NetworkConfig{TargetIPv4: "10.0.0.2"}}}})
			if err != nil {
				t.Fatal(err)
			}
			own := &r.Targets[0]
			if got := validated == own; got != tt.shared {
				t.Errorf("ValidateTargets handed the report's targets: %v, want %v", got, tt.shared)
			}
			if got := executed == own; got != tt.shared {
				t.Errorf("Execute handed the report's targets: %v, want %v", got, tt.shared)
			}
			if got := r.TargetExtras(1)[framework.Detection]["process_name"]; got != "x" {
				t.Errorf("the second target's extras: process_name %v, want x", got)
			}
		})
	}
}
