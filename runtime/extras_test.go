package runtime_test

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"

	"go.uber.org/zap/zapcore"

	"github.com/injectkit/injectkit/framework"
	"github.com/injectkit/injectkit/framework/frameworktest"
	"github.com/injectkit/injectkit/runtime"
	"github.com/injectkit/injectkit/signatures"
)

// An extra JSON cannot encode makes the run a failed outcome naming its
// key and value; it is left out, everything else is delivered (the other
// extras, the findings), and the payload encodes.
func TestRunUnencodableExtraBecomesFailure(t *testing.T) {
	cyclic := map[string]any{}
	cyclic["self"] = cyclic
	tests := []struct {
		name string
		out  framework.ToolOutput
		bad  string // the extra left out
		want []string
	}{
		{"+Inf", framework.ToolOutput{ExtraSignatures: map[string]any{"process_name": math.Inf(1), "kept": "yes"}},
			"process_name", []string{"extra_signatures.process_name", `"+Inf"`}},
		{"NaN on a success with an exit code 0", framework.ToolOutput{Status: framework.StatusSuccess,
			ExtraSignatures: map[string]any{"score": math.NaN(), "kept": "yes"}}, "score", []string{"extra_signatures.score", `"NaN"`}},
		{"chan", framework.ToolOutput{ExtraSignatures: map[string]any{"c": make(chan int), "kept": "yes"}},
			"c", []string{"extra_signatures.c", "chan int"}},
		{"cycle", framework.ToolOutput{ExtraSignatures: map[string]any{"loop": cyclic, "kept": "yes"}},
			"loop", []string{"extra_signatures.loop", "cycle"}},
		{"per-type", framework.ToolOutput{ExtraSignatures: map[string]any{"kept": "yes"},
			ExtraByType: framework.TypeExtras{framework.Detection: {"rtt": math.Inf(-1)}}},
			"rtt", []string{"extra_by_type.DETECTION.rtt", `"-Inf"`}},
		{"per-target", framework.ToolOutput{ExtraSignatures: map[string]any{"kept": "yes"},
			TargetExtras: map[framework.Target]framework.TypeExtras{first: {framework.Detection: {"f": func() {}}}}},
			"f", []string{`target_extras[{"target_ipv4":"10.0.0.1"}].DETECTION.f`, "func()"}},
		{"MarshalJSON panics", framework.ToolOutput{ExtraSignatures: map[string]any{"boom": panicJSON{}, "kept": "yes"}},
			"boom", []string{"extra_signatures.boom", "panicked: marshal boom"}},
		{"per-type MarshalJSON panics", framework.ToolOutput{ExtraSignatures: map[string]any{"kept": "yes"},
			ExtraByType: framework.TypeExtras{framework.Detection: {"boom": panicJSON{}}}},
			"boom", []string{"extra_by_type.DETECTION.boom", "panicked: marshal boom"}},
		{"per-target MarshalJSON panics", framework.ToolOutput{ExtraSignatures: map[string]any{"kept": "yes"},
			TargetExtras: map[framework.Target]framework.TypeExtras{first: {framework.Detection: {"boom": []any{panicJSON{}}}}}},
			"boom", []string{`target_extras[{"target_ipv4":"10.0.0.1"}].DETECTION.boom`, "panicked: marshal boom"}},
		{"the executor's failure kept", framework.ToolOutput{Status: framework.StatusFailed,
			ErrorInfo:       &framework.ErrorInfo{ExitCode: 4, Message: "tool crashed"},
			ExtraSignatures: map[string]any{"score": complex(1, 2), "kept": "yes"}}, "score",
			[]string{"extra_signatures.score", "complex128", "tool crashed"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.out.Findings = map[string]any{"open": 3}
			rep := runFailed(t, tt.out, tt.want)
			p := payload(t, rep)
			body, err := json.Marshal(p)
			if err != nil {
				t.Fatalf("payload does not encode: %v", err)
			}
			if strings.Contains(string(body), `"`+tt.bad+`"`) {
				t.Errorf("payload carries the extra %q: %s", tt.bad, body)
			}
			got := values(t, rep, 0)
			if got["kept"] != "yes" || got["execution_status"] != string(signatures.StatusFailed) {
				t.Errorf("signature %v, want the other extra and the failed status", got)
			}
			if rep.Output.Findings["open"] != 3 {
				t.Errorf("findings %v, want them kept", rep.Output.Findings)
			}
		})
	}
}

// PayloadOf refuses the output Run turns into a failure.
func TestPayloadOfUnencodableExtra(t *testing.T) {
	in := frameworktest.Inject(t, &frameworktest.Executor{}, signatures.NetworkConfig{TargetIPv4: "127.0.0.1"})
	for _, tt := range []struct {
		v    any
		want string
	}{
		{math.NaN(), `extra_signatures.x "NaN"`},
		{panicJSON{}, `extra_signatures.x: cannot be encoded as JSON: encoding it panicked: marshal boom`},
	} {
		_, err := runtime.PayloadOf(pinnedManager(), in, framework.ToolOutput{ExtraSignatures: map[string]any{"x": tt.v}})
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("err = %v, want %s", err, tt.want)
		}
	}
}

// panicJSON is a value whose MarshalJSON panics.
type panicJSON struct{}

func (panicJSON) MarshalJSON() ([]byte, error) { panic("marshal boom") }

// A finding JSON cannot encode makes the run a failed outcome naming its
// key and value, as an extra does: it is left out, the other findings and
// the signatures are delivered (a profile sending findings could not
// encode any of them with it).
func TestRunUnencodableFindingBecomesFailure(t *testing.T) {
	tests := []struct {
		name string
		out  framework.ToolOutput
		want []string
	}{
		{"NaN", framework.ToolOutput{Findings: map[string]any{"results": "fine", "score": math.NaN()}},
			[]string{"findings.score", `"NaN"`}},
		{"chan", framework.ToolOutput{Findings: map[string]any{"results": "fine", "score": make(chan int)}},
			[]string{"findings.score", "chan int"}},
		{"nested +Inf", framework.ToolOutput{Findings: map[string]any{"results": "fine", "score": []any{1.0, math.Inf(1)}}},
			[]string{"findings.score", `"+Inf"`}},
		{"MarshalJSON panics", framework.ToolOutput{Findings: map[string]any{"results": "fine", "score": panicJSON{}}},
			[]string{"findings.score", "panicked: marshal boom"}},
		{"nested MarshalJSON panics", framework.ToolOutput{Findings: map[string]any{"results": "fine",
			"score": map[string]any{"x": []any{panicJSON{}}}}}, []string{"findings.score", "panicked: marshal boom"}},
		{"on an output rejected", framework.ToolOutput{Status: "maybe",
			Findings: map[string]any{"results": "fine", "score": math.NaN()}}, []string{"maybe"}},
		{"MarshalJSON panics on an output rejected", framework.ToolOutput{Status: "maybe",
			Findings: map[string]any{"results": "fine", "score": panicJSON{}}}, []string{"maybe"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.out.ExtraSignatures = map[string]any{"kept": "yes"}
			rep := runFailed(t, tt.out, tt.want)
			if _, err := json.Marshal(rep.Output.Findings); err != nil {
				t.Errorf("findings %v do not encode: %v", rep.Output.Findings, err)
			}
			if _, ok := rep.Output.Findings["score"]; ok || rep.Output.Findings["results"] != "fine" {
				t.Errorf("findings %v, want score left out and results kept", rep.Output.Findings)
			}
			if got := values(t, rep, 0); got["execution_status"] != string(signatures.StatusFailed) {
				t.Errorf("signature %v, want the failed status", got)
			}
		})
	}
}

// Extras under a key that is no expectation type ("detection" for
// DETECTION, "") are not dropped silently: as extras under a core field's
// name, they are left out with an ERROR line naming the key (quoted), and the
// signatures are sent without per-type and per-target extras.
func TestRunExtrasOfAnUnknownTypeAreReported(t *testing.T) {
	tests := []struct {
		name string
		out  framework.ToolOutput
		key  string
	}{
		{"per-type", framework.ToolOutput{ExtraByType: framework.TypeExtras{"detection": {"process_name": "x"}}}, "detection"},
		{"per-target", framework.ToolOutput{TargetExtras: map[framework.Target]framework.TypeExtras{first: {"Prevention": {"process_name": "x"}}}}, "Prevention"},
		{"per-type, empty key", framework.ToolOutput{ExtraByType: framework.TypeExtras{"": {"process_name": "x"}}}, ""},
		{"per-target, empty key", framework.ToolOutput{TargetExtras: map[framework.Target]framework.TypeExtras{first: {"": {"process_name": "x"}}}}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.out.ExtraSignatures = map[string]any{"kept": "yes"}
			rec := &recorder{}
			rt, logs := newRuntime(t, &frameworktest.Executor{Output: tt.out}, rec)
			rep, err := rt.Run(context.Background(), runtime.Request{Injector: "fake", Targets: loopback(),
				ExpectationTypes: []string{"DETECTION", "PREVENTION"}})
			if err != nil {
				t.Fatal(err)
			}
			if len(rec.delivered()) != 1 {
				t.Fatalf("%d reports delivered, want 1", len(rec.delivered()))
			}
			named := false
			for _, e := range logs.FilterLevelExact(zapcore.ErrorLevel).All() {
				for _, f := range e.Context {
					named = named || strings.Contains(f.String+fmt.Sprint(f.Interface), `"`+tt.key+`"`)
				}
			}
			if !named {
				t.Errorf("no ERROR line names %q: %v", tt.key, logs.All())
			}
			body, err := json.Marshal(payload(t, rep))
			if err != nil {
				t.Fatal(err)
			}
			if strings.Contains(string(body), "process_name") || !strings.Contains(string(body), `"kept"`) {
				t.Errorf("payload %s, want the extras of the unknown type left out, the others kept", body)
			}
		})
	}
}

// runFailed runs an executor returning out, and checks that its one report
// was delivered as a failed outcome with an exit code whose message names
// each of want.
func runFailed(t *testing.T, out framework.ToolOutput, want []string) *runtime.Report {
	t.Helper()
	rec := &recorder{}
	rt, _ := newRuntime(t, &frameworktest.Executor{Output: out}, rec)
	rep, err := rt.Run(context.Background(), runtime.Request{Injector: "fake", Targets: loopback()})
	if err != nil {
		t.Fatal(err)
	}
	if len(rec.delivered()) != 1 {
		t.Fatalf("%d reports delivered, want 1", len(rec.delivered()))
	}
	if rep.Status != signatures.StatusFailed || rep.Output.ErrorInfo == nil || rep.Output.ErrorInfo.ExitCode == 0 {
		t.Fatalf("status %q info %+v, want failed with an exit code", rep.Status, rep.Output.ErrorInfo)
	}
	for _, w := range want {
		if !strings.Contains(rep.Output.ErrorInfo.Message, w) {
			t.Errorf("message %q, want it to name %s", rep.Output.ErrorInfo.Message, w)
		}
	}
	return rep
}

// A Report built outside the runtime (a profile's test) finds a target's
// extras as the runtime does (framework.Target.ExtrasKey): a pointer
// configuration, of the target or of the key, by the value it points to.
func TestReportTargetExtrasOutsideTheRuntime(t *testing.T) {
	value := signatures.NetworkConfig{TargetIPv4: "10.0.0.1"}
	ptr := func() *signatures.NetworkConfig { c := value; return &c }
	extra := framework.TypeExtras{framework.Detection: {"k": 1}}
	tests := []struct {
		name        string
		target, key signatures.Config
		want        any
	}{
		{"both values", value, value, 1},
		{"a pointer target, a value key", ptr(), value, 1},
		{"a value target, a pointer key", value, ptr(), 1},
		{"two pointers to one value", ptr(), ptr(), 1},
		{"another value", value, signatures.NetworkConfig{TargetIPv4: "10.0.0.2"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := &runtime.Report{Targets: []framework.Target{{Config: tt.target}},
				Output: framework.ToolOutput{TargetExtras: map[framework.Target]framework.TypeExtras{{Config: tt.key}: extra}}}
			if got := r.TargetExtras(0)[framework.Detection]["k"]; got != tt.want {
				t.Errorf("TargetExtras(0) holds %v, want %v", got, tt.want)
			}
		})
	}
}

// One target keyed twice (by the pointer configuration it was handed and
// by its value, or by two pointers to one value, typed targets given
// twice) carries the extras when both keys hold the same; with different
// extras none of the run's per-target extras are sent (which to send is
// not known: before, one was kept at random) and one WARN names the
// target.
func TestRunTargetKeyedTwice(t *testing.T) {
	ip := func(a string) signatures.NetworkConfig { return signatures.NetworkConfig{TargetIPv4: a} }
	ptr := func(a string) *signatures.NetworkConfig { c := ip(a); return &c }
	extra := func(v int) framework.TypeExtras { return framework.TypeExtras{framework.Detection: {"k": v}} }
	tests := []struct {
		name    string
		typed   []framework.Target
		extras  func(handed []framework.Target) map[framework.Target]framework.TypeExtras
		want    []any  // target i's extra k (nil: none)
		warning string // what the WARN's error holds; "": no WARN
	}{
		{"pointer and value, different extras", []framework.Target{{Config: ptr("10.0.0.1")}, {Config: ip("10.0.0.2")}},
			func(h []framework.Target) map[framework.Target]framework.TypeExtras {
				return map[framework.Target]framework.TypeExtras{h[0]: extra(1), {Config: ip("10.0.0.1")}: extra(2), h[1]: extra(3)}
			}, []any{nil, nil}, `target extras keyed twice, with different extras, for {"target_ipv4":"10.0.0.1"}`},
		{"pointer and value, the same extras", []framework.Target{{Config: ptr("10.0.0.1")}, {Config: ip("10.0.0.2")}},
			func(h []framework.Target) map[framework.Target]framework.TypeExtras {
				return map[framework.Target]framework.TypeExtras{h[0]: extra(1), {Config: ip("10.0.0.1")}: extra(1)}
			}, []any{1, nil}, ""},
		{"a pointer target given twice, each keyed, the same extras", []framework.Target{{Config: ptr("10.0.0.1")}, {Config: ptr("10.0.0.1")}},
			func(h []framework.Target) map[framework.Target]framework.TypeExtras {
				return map[framework.Target]framework.TypeExtras{h[0]: extra(1), h[1]: extra(1)}
			}, []any{1, 1}, ""},
		{"a pointer target given twice, each keyed, different extras", []framework.Target{{Config: ptr("10.0.0.1")}, {Config: ptr("10.0.0.1")}},
			func(h []framework.Target) map[framework.Target]framework.TypeExtras {
				return map[framework.Target]framework.TypeExtras{h[0]: extra(1), h[1]: extra(2)}
			}, []any{nil, nil}, `keyed twice, with different extras, for {"target_ipv4":"10.0.0.1"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ex := &frameworktest.Executor{Run: func(_ context.Context, in *framework.Inject) framework.ToolOutput {
				return framework.ToolOutput{TargetExtras: tt.extras(in.Targets), ExtraSignatures: map[string]any{"kept": "yes"}}
			}}
			rt, logs := newRuntime(t, ex, &recorder{})
			rep, err := rt.Run(context.Background(), runtime.Request{Injector: "fake", Typed: tt.typed})
			if err != nil {
				t.Fatal(err)
			}
			for i, want := range tt.want {
				if got := values(t, rep, i)["k"]; got != want {
					t.Errorf("target %d carries the extra %v, want %v", i, got, want)
				}
				if values(t, rep, i)["kept"] != "yes" {
					t.Errorf("target %d lost the other extras", i)
				}
			}
			warns := logs.FilterLevelExact(zapcore.WarnLevel).All()
			switch {
			case tt.warning == "" && len(warns) != 0:
				t.Errorf("WARN lines: %v", warns)
			case tt.warning != "" && (len(warns) != 1 || !strings.Contains(fmt.Sprint(warns[0].ContextMap()["error"]), tt.warning)):
				t.Errorf("WARN lines %v, want one whose error holds %q", warns, tt.warning)
			}
		})
	}
}

// TestReportAllTargetExtras: AllTargetExtras yields each target with
// extras, in order, with what TargetExtras gives it: for a Report built
// outside the runtime matched to its targets once a range, not once a
// target (what reads every target's extras, the openaev profile's
// per-target traces, ranges over it); a key naming no target leaves every
// target without extras, as TargetExtras does. The Report the runtime
// builds yields the same.
func TestReportAllTargetExtras(t *testing.T) {
	const n = 1000
	targets := make([]framework.Target, n)
	for i := range targets {
		targets[i] = framework.Target{Config: signatures.NetworkConfig{TargetIPv4: fmt.Sprintf("10.0.%d.%d", i/256, i%256)},
			Attribution: signatures.Attribution{Asset: fmt.Sprintf("asset-%d", i)}}
	}
	extra := func(i int) framework.TypeExtras { return framework.TypeExtras{framework.Detection: {"k": i}} }
	keyed := func(at ...int) map[framework.Target]framework.TypeExtras {
		m := map[framework.Target]framework.TypeExtras{}
		for _, i := range at {
			m[targets[i]] = extra(i)
		}
		return m
	}
	stray := keyed(3, 700)
	stray[framework.Target{Config: signatures.NetworkConfig{TargetIPv4: "10.9.9.9"}}] = extra(-1)
	tests := []struct {
		name   string
		extras map[framework.Target]framework.TypeExtras
		want   []int // the positions yielded, each with its own extras
	}{
		{"none", nil, nil},
		{"some, keyed out of order", keyed(700, 3, 999, 0), []int{0, 3, 700, 999}},
		{"a key naming no target", stray, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := runtime.Report{Targets: targets, Output: framework.ToolOutput{TargetExtras: tt.extras}}
			var got []int
			allocs := testing.AllocsPerRun(3, func() {
				got = got[:0]
				for i, te := range r.AllTargetExtras() {
					if te[framework.Detection]["k"] != i {
						t.Fatalf("target %d yielded with extras %v", i, te)
					}
					got = append(got, i)
				}
			})
			if fmt.Sprint(got) != fmt.Sprint(tt.want) {
				t.Errorf("yielded %v, want %v", got, tt.want)
			}
			for i := range targets {
				te := r.TargetExtras(i)
				if (te != nil) != slices.Contains(tt.want, i) || (te != nil && te[framework.Detection]["k"] != i) {
					t.Errorf("TargetExtras(%d) = %v, not what AllTargetExtras yields", i, te)
				}
			}
			if allocs > n {
				t.Errorf("%.0f allocations for %d targets", allocs, n)
			}
		})
	}
	t.Run("the runtime's", func(t *testing.T) {
		ex := &frameworktest.Executor{Run: func(_ context.Context, in *framework.Inject) framework.ToolOutput {
			return framework.ToolOutput{Status: framework.StatusSuccess,
				TargetExtras: map[framework.Target]framework.TypeExtras{in.Targets[2]: extra(2), in.Targets[0]: extra(0)}}
		}}
		rt, _ := newRuntime(t, ex, &recorder{})
		rep, err := rt.Run(context.Background(), runtime.Request{Injector: "fake", Typed: targets[:3]})
		if err != nil {
			t.Fatal(err)
		}
		var got []int
		for i, te := range rep.AllTargetExtras() {
			if te[framework.Detection]["k"] != i {
				t.Errorf("target %d yielded with extras %v", i, te)
			}
			got = append(got, i)
		}
		if fmt.Sprint(got) != "[0 2]" {
			t.Errorf("yielded %v, want [0 2]", got)
		}
	})
}
