package runtime_test

import (
	"context"
	"testing"

	"github.com/injectkit/injectkit/framework"
	"github.com/injectkit/injectkit/runtime"
	"github.com/injectkit/injectkit/signatures"
)

// seeing is a Deliverer whose Received records the targets it is shown.
type seeing struct {
	recorder
	seen []framework.Target
}

func (s *seeing) Received(_ context.Context, p *runtime.Prepared) error {
	s.seen = append([]framework.Target(nil), p.Targets...)
	return nil
}

// TestValidateTargetsChangesReachNothing runs an executor whose
// ValidateTargets changes the targets it is handed, for targets given as
// specs, as typed value configurations the runtime keeps as they are (the
// caller's slice) and as typed pointer configurations. Its changes reach
// neither the checks that follow it (a Receiver: the openaev profile's
// size checks and trace), nor Execute, nor the report, nor the caller's
// request, whatever form the targets were given in: with a pointer
// configuration Execute was handed the changed targets, with value ones
// not.
func TestValidateTargetsChangesReachNothing(t *testing.T) {
	tests := []struct {
		name string
		req  func() runtime.Request
	}{
		{"specs", func() runtime.Request {
			return runtime.Request{Targets: []runtime.TargetSpec{{Value: "10.0.0.1", Asset: "asset-1"}, {Value: "10.0.0.2"}}}
		}},
		{"typed values", func() runtime.Request {
			return runtime.Request{Typed: []framework.Target{given, {Config: signatures.NetworkConfig{TargetIPv4: "10.0.0.2"}}}}
		}},
		{"typed, a pointer configuration", func() runtime.Request {
			return runtime.Request{Typed: []framework.Target{given, {Config: &signatures.NetworkConfig{TargetIPv4: "10.0.0.2"}}}}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var executed framework.Target
			ex := &checkingExecutor{check: spoil}
			ex.Run = func(_ context.Context, in *framework.Inject) framework.ToolOutput {
				executed = in.Targets[0]
				return framework.ToolOutput{Status: framework.StatusSuccess}
			}
			d := &seeing{}
			rt, _ := newRuntime(t, ex, d)
			req := tt.req()
			req.Injector = "fake"
			r, err := rt.Run(context.Background(), req)
			if err != nil {
				t.Fatal(err)
			}
			if executed != given {
				t.Errorf("Execute was handed %+v, want %+v", executed, given)
			}
			if len(d.seen) != 2 || d.seen[0] != given {
				t.Errorf("the Receiver was shown %+v, want %+v first", d.seen, given)
			}
			if len(r.Targets) != 2 || r.Targets[0] != given {
				t.Errorf("report targets %+v, want %+v first", r.Targets, given)
			}
			if req.Typed != nil && req.Typed[0] != given {
				t.Errorf("the caller's typed target is %+v, want %+v", req.Typed[0], given)
			}
		})
	}
}
