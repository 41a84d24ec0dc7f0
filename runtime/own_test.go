package runtime_test

import (
	"context"
	"fmt"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/injectkit/injectkit/framework"
	"github.com/injectkit/injectkit/runtime"
	"github.com/injectkit/injectkit/signatures"
)

// first is the target of loopback().
var first = framework.Target{Config: signatures.NetworkConfig{TargetIPv4: "10.0.0.1"}}

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
		TargetExtras:    map[framework.Target]framework.TypeExtras{first: {framework.Detection: {"by_target": "early"}}},
		Findings:        map[string]any{"summary": "early", "hosts": []any{"early"}}}
	go func() {
		defer close(l.wrote)
		<-l.write
		out.ErrorInfo.Message = "late"
		out.ExtraSignatures["process_name"] = "late"
		out.ExtraSignatures["list"].([]string)[0] = "late"
		out.ExtraSignatures["nested"].([]any)[0].(map[string]any)["k"] = "late"
		out.ExtraByType[framework.Detection]["by_type"] = "late"
		out.TargetExtras[first][framework.Detection]["by_target"] = "late"
		out.TargetExtras[framework.Target{}] = framework.TypeExtras{framework.Detection: {"by_target": "late"}}
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
		"by_target":       o.TargetExtras[first][framework.Detection]["by_target"],
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

// sharing is an executor whose output holds a map that refers to itself
// twice and a chain of maps each referring to the next twice, ending in a
// NaN: a copy made path by path would make 2^64 of them. With secret, it
// has a Secret setting, given, that its output holds.
type sharing struct{ secret bool }

func (s sharing) Manifest() framework.Manifest {
	m := framework.Manifest{Name: "fake", Category: framework.Network,
		Expectations: []framework.ExpectationType{framework.Detection}}
	if s.secret {
		m.Settings = []framework.Setting{{Key: "token", Secret: true, Doc: "a token"}}
	}
	return m
}

func (sharing) Execute(context.Context, *framework.Inject) framework.ToolOutput {
	loop := map[string]any{"s": "TopSecretValue42"}
	loop["a"], loop["b"] = loop, loop
	dag := map[string]any{"nan": math.NaN(), "s": "TopSecretValue42"}
	for range 200 {
		dag = map[string]any{"a": dag, "b": []any{dag, dag}}
	}
	return framework.ToolOutput{Status: framework.StatusSuccess,
		Findings:        map[string]any{"summary": "ok", "loop": loop},
		ExtraSignatures: map[string]any{"dag": dag, "loop": []any{loop, loop}}}
}

// An output whose maps and lists are shared many times over, or hold
// themselves, is copied as large as it is, not path by path: the run ends
// at once, with or without a Secret setting, with the outcome such output
// had before the runtime copied it (each value JSON cannot encode left
// out, the run failed, naming it), the copy allocating no more than the
// output's maps and lists.
func TestOutputSharedOrCyclicCopiedOnce(t *testing.T) {
	for _, secret := range []bool{false, true} {
		t.Run(fmt.Sprintf("secret=%v", secret), func(t *testing.T) {
			rec := &recorder{}
			// A copy path by path would not end: the test's own
			// deadline catches it. The inject's timeout is only long
			// enough for a loaded machine.
			rt, _ := newRuntime(t, sharing{secret: secret}, rec, runtime.WithTimeout(time.Minute),
				runtime.WithSettings(func(string) map[string]string { return map[string]string{"token": "TopSecretValue42"} }))
			req := runtime.Request{InjectID: "i-share", Injector: "fake", Targets: loopback()}
			allocs := testing.AllocsPerRun(1, func() {
				if _, err := rt.Run(context.Background(), req); err != nil {
					t.Fatal(err)
				}
			})
			r := rec.delivered()[0]
			if r.Status != framework.StatusFailed || r.Output.ErrorInfo == nil {
				t.Fatalf("status %s, error %+v; want failed", r.Status, r.Output.ErrorInfo)
			}
			for _, field := range []string{"findings.loop", "extra_signatures.dag", "extra_signatures.loop"} {
				if !strings.Contains(r.Output.ErrorInfo.Message, field+" ") {
					t.Errorf("message does not name %s: %s", field, r.Output.ErrorInfo.Message)
				}
			}
			// About 400 maps and lists, each copied once (see
			// TestOwnOutputCopiesSharedOnce), besides the run's
			// own allocations and the encoder's.
			if allocs > 50000 {
				t.Errorf("%.0f allocations a run", allocs)
			}
		})
	}
}

// slowCopy is a value whose JSON form, which the runtime's copy reads to
// redact a secret from it, moves the clock on by an hour.
type slowCopy struct{ skip func(time.Duration) }

func (s slowCopy) MarshalJSON() ([]byte, error) {
	s.skip(time.Hour)
	return []byte(`"x"`), nil
}

// copying returns an output holding a slowCopy and has a Secret setting.
type copying struct{ skip func(time.Duration) }

func (copying) Manifest() framework.Manifest { return sharing{secret: true}.Manifest() }

func (c copying) Execute(context.Context, *framework.Inject) framework.ToolOutput {
	return framework.ToolOutput{Findings: map[string]any{"slow": slowCopy{c.skip}}}
}

// The executor's duration (the Observer's, the "executed" line's) ends
// when Execute returns: the runtime's copy of its output is not in it.
func TestExecutorDurationLeavesTheCopyOut(t *testing.T) {
	clock, skip := tickingClock()
	obs := &timings{}
	rt, logs := newRuntime(t, copying{skip}, nil, runtime.WithObserver(obs), runtime.WithClock(clock),
		runtime.WithSettings(func(string) map[string]string { return map[string]string{"token": "TopSecretValue42"} }))
	if _, err := rt.Run(context.Background(), runtime.Request{InjectID: "i-copy", Injector: "fake", Targets: loopback()}); err != nil {
		t.Fatal(err)
	}
	executed := logs.FilterMessage("executed").All()
	if len(obs.executed) != 1 || obs.executed[0] != time.Second || len(executed) != 1 ||
		executed[0].ContextMap()["duration"] != time.Second {
		t.Errorf("observed %v, logged %v; want 1s (one reading of the clock)", obs.executed, executed)
	}
}
