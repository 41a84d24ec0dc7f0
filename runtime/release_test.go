package runtime_test

import (
	"context"
	goruntime "runtime"
	"testing"
	"time"
	"weak"

	"github.com/injectkit/injectkit/framework"
	"github.com/injectkit/injectkit/framework/frameworktest"
	"github.com/injectkit/injectkit/runtime"
	"github.com/injectkit/injectkit/signatures"
)

// forgetful is an executor that keeps nothing of its inject but a weak
// pointer to its targets.
type forgetful struct {
	targets weak.Pointer[framework.Target]
}

func (f *forgetful) Execute(_ context.Context, in *framework.Inject) framework.ToolOutput {
	f.targets = weak.Make(&in.Targets[0])
	return framework.ToolOutput{Status: framework.StatusSuccess}
}

// heldCheck is a Deliverer that reports, after a collection, whether the
// executor's copy of the targets is still held while the report is
// delivered.
type heldCheck struct {
	ex      *forgetful
	checked bool
	held    bool
	targets int
}

func (h *heldCheck) Deliver(_ context.Context, r *runtime.Report) error {
	goruntime.GC()
	h.checked, h.held, h.targets = true, h.ex.targets.Value() != nil, len(r.Targets)
	return nil
}

// TestExecutorCopyOfTargetsIsNotHeldThroughDelivery checks that the
// runtime lets go of the executor's copy of the targets once the executor
// returned: a million targets' copy (64 MB) was held through the whole
// delivery, and the peak heap of a run is twice what it holds then.
func TestExecutorCopyOfTargetsIsNotHeldThroughDelivery(t *testing.T) {
	tests := []struct {
		name string
		req  runtime.Request
	}{
		{"one target", runtime.Request{Targets: loopback()}},
		{"several", runtime.Request{Targets: []runtime.TargetSpec{{Value: "10.0.0.1"}, {Value: "10.0.0.2", Asset: "asset-2"}, {Value: "web.example.com"}}}},
		{"typed", runtime.Request{Typed: []framework.Target{{Config: signatures.NetworkConfig{TargetIPv4: "10.0.0.1"}}}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ex := &forgetful{}
			d := &heldCheck{ex: ex}
			rt, _ := newRuntime(t, ex, d)
			req := tt.req
			req.Injector = "fake"
			if _, err := rt.Run(context.Background(), req); err != nil {
				t.Fatal(err)
			}
			switch {
			case !d.checked:
				t.Fatal("nothing delivered")
			case d.held:
				t.Error("the executor's copy of the targets is still held while the report is delivered")
			case d.targets != len(tt.req.Targets)+len(tt.req.Typed):
				t.Errorf("report holds %d targets, want %d", d.targets, len(tt.req.Targets)+len(tt.req.Typed))
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
