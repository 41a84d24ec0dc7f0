package runtime_test

import (
	"context"
	"testing"
	"time"

	"github.com/injectkit/injectkit/framework"
	"github.com/injectkit/injectkit/framework/frameworktest"
	"github.com/injectkit/injectkit/runtime"
	"github.com/injectkit/injectkit/signatures"
)

// given is the target every test of this file gives, and expects back
// unchanged in the caller's request and the report.
var given = framework.Target{Config: signatures.NetworkConfig{TargetIPv4: "10.0.0.1"}, Attribution: signatures.Attribution{Asset: "asset-1"}}

// spoil is what a misbehaving executor writes in the targets it was handed.
func spoil(targets []framework.Target) {
	targets[0].Config = signatures.NetworkConfig{TargetIPv4: "6.6.6.6"}
	targets[0].Attribution.Asset = "asset-666"
}

// keeping is an executor that writes in the targets it was handed when it
// is closed (kept from Execute).
type keeping struct {
	frameworktest.Executor
	kept []framework.Target
}

func (k *keeping) Close() error {
	spoil(k.kept)
	return nil
}

// TestExecutorWritingLateChangesNothingOfTheCaller runs executors that
// write in their targets after the runtime stopped waiting for them (one
// abandoned after its deadline, a goroutine left running after Execute
// returned, a Close writing in the targets Execute kept), with typed
// targets the runtime keeps as they are (canonical, value
// configurations). The caller's slice and the report keep the targets
// given, and (-race) nothing the runtime reads races with the executor's
// writes: the executor was handed the caller's own slice.
func TestExecutorWritingLateChangesNothingOfTheCaller(t *testing.T) {
	tests := []struct {
		name    string
		timeout time.Duration
		// ex returns the executor and a channel closed once it has
		// written, which release lets it do.
		ex     func(release <-chan struct{}) (framework.Executor, <-chan struct{})
		status signatures.ExecutionStatus
	}{
		{"abandoned after its deadline", 20 * time.Millisecond, func(release <-chan struct{}) (framework.Executor, <-chan struct{}) {
			written := make(chan struct{})
			return &frameworktest.Executor{Run: func(_ context.Context, in *framework.Inject) framework.ToolOutput {
				<-release
				spoil(in.Targets)
				close(written)
				return framework.ToolOutput{}
			}}, written
		}, signatures.StatusTimeout},
		{"a goroutine left running", 0, func(release <-chan struct{}) (framework.Executor, <-chan struct{}) {
			written := make(chan struct{})
			return &frameworktest.Executor{Run: func(_ context.Context, in *framework.Inject) framework.ToolOutput {
				go func() {
					spoil(in.Targets) // while the runtime compiles and delivers
					close(written)
				}()
				return framework.ToolOutput{Status: framework.StatusSuccess}
			}}, written
		}, signatures.StatusSuccess},
		{"Close", 0, func(<-chan struct{}) (framework.Executor, <-chan struct{}) {
			k := &keeping{}
			k.Run = func(_ context.Context, in *framework.Inject) framework.ToolOutput {
				k.kept = in.Targets
				return framework.ToolOutput{Status: framework.StatusSuccess}
			}
			written := make(chan struct{})
			close(written) // Close runs before Run returns
			return k, written
		}, signatures.StatusSuccess},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			release := make(chan struct{})
			ex, written := tt.ex(release)
			rt, _ := newRuntime(t, ex, &recorder{})
			typed := []framework.Target{given}
			req := runtime.Request{Injector: "fake", Timeout: runtime.Duration(tt.timeout), Typed: typed}
			r, err := rt.Run(context.Background(), req)
			close(release)
			<-written
			if err != nil {
				t.Fatal(err)
			}
			if typed[0] != given {
				t.Errorf("the caller's typed target is %+v, want %+v", typed[0], given)
			}
			if r.Status != tt.status || len(r.Targets) != 1 || r.Targets[0] != given {
				t.Errorf("report: status %s, targets %+v; want %s, [%+v]", r.Status, r.Targets, tt.status, given)
			}
		})
	}
}

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
