package runtime_test

import (
	"context"
	goruntime "runtime"
	"testing"
	"weak"

	"github.com/injectkit/injectkit/framework"
	"github.com/injectkit/injectkit/runtime"
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
		name    string
		targets []runtime.TargetSpec
	}{
		{"one target", loopback()},
		{"several", []runtime.TargetSpec{{Value: "10.0.0.1"}, {Value: "10.0.0.2", Asset: "asset-2"}, {Value: "web.example.com"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ex := &forgetful{}
			d := &heldCheck{ex: ex}
			rt, _ := newRuntime(t, ex, d)
			if _, err := rt.Run(context.Background(), runtime.Request{Injector: "fake", Targets: tt.targets}); err != nil {
				t.Fatal(err)
			}
			switch {
			case !d.checked:
				t.Fatal("nothing delivered")
			case d.held:
				t.Error("the executor's copy of the targets is still held while the report is delivered")
			case d.targets != len(tt.targets):
				t.Errorf("report holds %d targets, want %d", d.targets, len(tt.targets))
			}
		})
	}
}
