package runtime_test

import (
	"context"
	"testing"

	"github.com/injectkit/injectkit/framework"
	"github.com/injectkit/injectkit/runtime"
)

// lateWriter returns its output, then, from a goroutine it leaves running,
// writes in each map and list of it when write is closed (the tester's
// executor: process_name arrived as late2, late12), closing wrote after.
type lateWriter struct {
	write, wrote chan struct{}
}

func (l *lateWriter) Execute(context.Context, *framework.Inject) framework.ToolOutput {
	out := framework.ToolOutput{Status: framework.StatusFailed,
		ErrorInfo:       &framework.ErrorInfo{ExitCode: 1, Message: "early"},
		ExtraSignatures: map[string]any{"process_name": "early", "list": []string{"early"}, "nested": []any{map[string]any{"k": "early"}}},
		ExtraByType:     framework.TypeExtras{framework.Detection: {"by_type": "early"}},
		TargetExtras:    map[int]framework.TypeExtras{0: {framework.Detection: {"by_target": "early"}}},
		Findings:        map[string]any{"summary": "early", "hosts": []any{"early"}}}
	go func() {
		defer close(l.wrote)
		<-l.write
		out.ErrorInfo.Message = "late"
		out.ExtraSignatures["process_name"] = "late"
		out.ExtraSignatures["list"].([]string)[0] = "late"
		out.ExtraSignatures["nested"].([]any)[0].(map[string]any)["k"] = "late"
		out.ExtraByType[framework.Detection]["by_type"] = "late"
		out.TargetExtras[0][framework.Detection]["by_target"] = "late"
		out.TargetExtras[1] = framework.TypeExtras{framework.Detection: {"by_target": "late"}}
		out.Findings["summary"] = "late"
		out.Findings["hosts"].([]any)[0] = "late"
		out.Findings["added"] = "late"
	}()
	return out
}

// lateDeliverer lets the executor write in its output once it has
// returned, then keeps the report.
type lateDeliverer struct {
	ex     *lateWriter
	report *runtime.Report
}

func (d *lateDeliverer) Deliver(_ context.Context, r *runtime.Report) error {
	close(d.ex.write)
	<-d.ex.wrote
	d.report = r
	return nil
}

// What Execute returned is the runtime's the moment it returns: an
// executor writing in its output's maps and lists afterwards (a goroutine
// it left running) changes nothing the report holds, in the output the
// profiles read nor in the payload.
func TestOutputTakenWhenExecuteReturns(t *testing.T) {
	ex := &lateWriter{write: make(chan struct{}), wrote: make(chan struct{})}
	d := &lateDeliverer{ex: ex}
	rt, _ := newRuntime(t, ex, d)
	if _, err := rt.Run(context.Background(), runtime.Request{InjectID: "i-late", Injector: "fake", Targets: loopback()}); err != nil {
		t.Fatal(err)
	}
	o := d.report.Output
	got := map[string]any{
		"message":         o.ErrorInfo.Message,
		"process_name":    o.ExtraSignatures["process_name"],
		"list":            o.ExtraSignatures["list"].([]string)[0],
		"nested":          o.ExtraSignatures["nested"].([]any)[0].(map[string]any)["k"],
		"by_type":         o.ExtraByType[framework.Detection]["by_type"],
		"by_target":       o.TargetExtras[0][framework.Detection]["by_target"],
		"target extras":   len(o.TargetExtras),
		"summary":         o.Findings["summary"],
		"hosts":           o.Findings["hosts"].([]any)[0],
		"findings":        len(o.Findings),
		"payload process": values(t, d.report, 0)["process_name"],
	}
	want := map[string]any{"message": "early", "process_name": "early", "list": "early", "nested": "early", "by_type": "early",
		"by_target": "early", "target extras": 1, "summary": "early", "hosts": "early", "findings": 2, "payload process": "early"}
	for k, w := range want {
		if got[k] != w {
			t.Errorf("%s: %v, want %v", k, got[k], w)
		}
	}
}
