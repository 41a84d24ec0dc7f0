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

// TestExecutorIsHandedTheRuntimesTargets checks that the executor is
// handed the runtime's own targets, the report's, rather than a copy of
// them (a million targets' copy is 64 MB, and the peak heap of a run
// twice what it holds), unless a configuration is given as a pointer,
// which it could change in place. What it changes there is undone
// (TestExecutorChangingItsInjectChangesNoSignature).
func TestExecutorIsHandedTheRuntimesTargets(t *testing.T) {
	tests := []struct {
		name   string
		req    runtime.Request
		shared bool
	}{
		{"one target", runtime.Request{Targets: loopback()}, true},
		{"several, attributed", runtime.Request{Targets: []runtime.TargetSpec{{Value: "10.0.0.1"}, {Value: "10.0.0.2", Asset: "asset-2"},
			{Value: "web.example.com"}}}, true},
		{"typed", runtime.Request{Typed: []framework.Target{{Config: signatures.NetworkConfig{TargetIPv4: "10.0.0.1"}}}}, true},
		{"typed, a pointer configuration", runtime.Request{Typed: []framework.Target{{Config: signatures.NetworkConfig{TargetIPv4: "10.0.0.1"}},
			{Config: &signatures.NetworkConfig{TargetIPv4: "10.0.0.2"}}}}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var handed *framework.Target
			ex := &frameworktest.Executor{Run: func(_ context.Context, in *framework.Inject) framework.ToolOutput {
				handed = &in.Targets[0]
				return framework.ToolOutput{Status: framework.StatusSuccess}
			}}
			rt, _ := newRuntime(t, ex, &recorder{})
			req := tt.req
			req.Injector = "fake"
			r, err := rt.Run(context.Background(), req)
			if err != nil {
				t.Fatal(err)
			}
			if shared := handed == &r.Targets[0]; shared != tt.shared {
				t.Errorf("executor handed the report's targets: %t, want %t", shared, tt.shared)
			}
		})
	}
}

// TestAbandonedExecutorChangesNoReportedTarget checks that an executor
// abandoned after its deadline, which still holds the targets it was
// handed, changes none of the report's when it changes them later.
func TestAbandonedExecutorChangesNoReportedTarget(t *testing.T) {
	release, changed := make(chan struct{}), make(chan struct{})
	ex := &frameworktest.Executor{Run: func(_ context.Context, in *framework.Inject) framework.ToolOutput {
		<-release
		in.Targets[0].Config = signatures.NetworkConfig{TargetIPv4: "6.6.6.6"}
		in.Targets[0].Attribution.Asset = "asset-666"
		close(changed)
		return framework.ToolOutput{}
	}}
	rt, _ := newRuntime(t, ex, &recorder{})
	r, err := rt.Run(context.Background(), runtime.Request{Injector: "fake", Timeout: runtime.Duration(20 * time.Millisecond),
		Targets: []runtime.TargetSpec{{Value: "10.0.0.1", Asset: "asset-1"}}})
	if err != nil {
		t.Fatal(err)
	}
	close(release)
	<-changed
	want := framework.Target{Config: signatures.NetworkConfig{TargetIPv4: "10.0.0.1"}, Attribution: signatures.Attribution{Asset: "asset-1"}}
	if r.Status != signatures.StatusTimeout || len(r.Targets) != 1 || r.Targets[0] != want {
		t.Errorf("status %s, targets %+v; want timeout, [%+v]", r.Status, r.Targets, want)
	}
}
