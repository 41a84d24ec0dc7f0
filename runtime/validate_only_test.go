package runtime_test

import (
	"context"
	"errors"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/injectkit/injectkit/framework"
	"github.com/injectkit/injectkit/framework/frameworktest"
	"github.com/injectkit/injectkit/runtime"
	"github.com/injectkit/injectkit/signatures"
)

// checkFunc is a Receiver from a function, as a check of Validate.
type checkFunc func(context.Context, *runtime.Prepared) error

func (f checkFunc) Received(ctx context.Context, p *runtime.Prepared) error { return f(ctx, p) }

// receiving is a deliverer whose Received hook counts its calls: Validate
// must never call it.
type receiving struct {
	recorder
	received atomic.Int32
}

func (r *receiving) Received(context.Context, *runtime.Prepared) error {
	r.received.Add(1)
	return nil
}

// Validate makes the checks of Run before it executes, and stops there:
// nothing executes, the runtime's deliverer is not called, the executor is
// closed, and every refusal is a *runtime.RequestError.
func TestValidateChecksWithoutRunning(t *testing.T) {
	tooBig := errors.New("target too big for a body")
	tests := []struct {
		name  string
		req   runtime.Request
		check checkFunc
		want  string // "" when valid
	}{
		{"valid", runtime.Request{Injector: "fake", Targets: loopback()}, nil, ""},
		{"no target", runtime.Request{Injector: "fake"}, nil, "at least one target"},
		{"bad target", runtime.Request{Injector: "fake", Targets: []runtime.TargetSpec{{Value: "-oN/x"}}}, nil, `"-oN/x"`},
		{"unknown injector", runtime.Request{Injector: "fkae", Targets: loopback()}, nil, `unknown injector "fkae"`},
		{"bad expectation", runtime.Request{Injector: "fake", Targets: loopback(), ExpectationTypes: []string{"NOPE"}}, nil, `invalid expectation_types[0] "NOPE"`},
		{"target of two kinds", runtime.Request{Injector: "fake", Targets: []runtime.TargetSpec{{Query: "x", CloudRegion: "eu-west-1"}}}, nil,
			"target mixes cloud and external fields"},
		{"bad inject id", runtime.Request{Injector: "fake", InjectID: "a\nb", Targets: loopback()}, nil, "inject_id"},
		{"check refuses", runtime.Request{Injector: "fake", Targets: loopback()},
			func(context.Context, *runtime.Prepared) error { return tooBig }, "target too big"},
		{"check refuses as a request error", runtime.Request{Injector: "fake", Targets: loopback()},
			func(context.Context, *runtime.Prepared) error { return &runtime.RequestError{Err: tooBig} }, "target too big"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ex := &closing{Executor: frameworktest.Executor{Category: framework.Network}}
			d := &receiving{}
			rt, _ := newRuntime(t, ex, d)
			var checks []runtime.Receiver
			var checked *runtime.Prepared
			if tt.check != nil {
				checks = append(checks, checkFunc(func(ctx context.Context, p *runtime.Prepared) error {
					checked = p
					return tt.check(ctx, p)
				}))
			}
			p, err := rt.Validate(context.Background(), tt.req, checks...)
			var re *runtime.RequestError
			switch {
			case tt.want == "" && (err != nil || p == nil):
				t.Fatalf("Validate: %v", err)
			case tt.want == "" && (len(p.Targets) != 1 || p.Timeout != runtime.DefaultTimeout || p.Request.Phase != runtime.DefaultPhase):
				t.Errorf("prepared: %d targets, timeout %s, phase %q", len(p.Targets), p.Timeout, p.Request.Phase)
			case tt.want != "" && (!errors.As(err, &re) || !strings.Contains(err.Error(), tt.want)):
				t.Errorf("error %v (%T), want a *runtime.RequestError containing %q", err, err, tt.want)
			}
			if tt.check != nil && checked == nil {
				t.Error("the check was not called")
			}
			if n := len(ex.Calls()); n != 0 {
				t.Errorf("executed %d times", n)
			}
			if d.received.Load() != 0 || len(d.delivered()) != 0 {
				t.Errorf("deliverer called: %d receptions, %d deliveries", d.received.Load(), len(d.delivered()))
			}
			if tt.name == "valid" && ex.closed != 1 {
				t.Errorf("executor closed %d times, want 1", ex.closed)
			}
		})
	}
}

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
