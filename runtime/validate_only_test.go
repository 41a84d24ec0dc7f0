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
// closed, and every refusal is a *framework.RequestError.
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
		{"target of two kinds", runtime.Request{Injector: "fake", Targets: []runtime.TargetSpec{{Query: "x", TargetIPv6: "::1"}}}, nil,
			"target mixes network and external fields"},
		{"bad inject id", runtime.Request{Injector: "fake", InjectID: "a\nb", Targets: loopback()}, nil, "inject_id"},
		{"check refuses", runtime.Request{Injector: "fake", Targets: loopback()},
			func(context.Context, *runtime.Prepared) error { return tooBig }, "target too big"},
		{"check refuses as a request error", runtime.Request{Injector: "fake", Targets: loopback()},
			func(context.Context, *runtime.Prepared) error { return &framework.RequestError{Err: tooBig} }, "target too big"},
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
			var re *framework.RequestError
			switch {
			case tt.want == "" && (err != nil || p == nil):
				t.Fatalf("Validate: %v", err)
			case tt.want == "" && (len(p.Targets) != 1 || p.Timeout != runtime.DefaultTimeout || p.Request.Phase != runtime.DefaultPhase):
				t.Errorf("prepared: %d targets, timeout %s, phase %q", len(p.Targets), p.Timeout, p.Request.Phase)
			case tt.want != "" && (!errors.As(err, &re) || !strings.Contains(err.Error(), tt.want)):
				t.Errorf("error %v (%T), want a *framework.RequestError containing %q", err, err, tt.want)
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
