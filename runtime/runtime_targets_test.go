package runtime_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/injectkit/injectkit/framework"
	"github.com/injectkit/injectkit/framework/frameworktest"
	"github.com/injectkit/injectkit/runtime"
	"github.com/injectkit/injectkit/signatures"
	"go.uber.org/zap/zapcore"
)

// Per-target extras reach the group of the target they are keyed by, and
// only it: a target is its configuration and its attribution, so one
// address attributed to two assets is two targets, each with its own
// extras; a typed target given by a pointer configuration is matched by
// the value it points to (the executor holds a pointer of its own).
func TestRunTargetExtrasByTarget(t *testing.T) {
	ip := func(a, asset string) framework.Target {
		return framework.Target{Config: signatures.NetworkConfig{TargetIPv4: a}, Attribution: signatures.Attribution{Asset: asset}}
	}
	extra := func(v int) framework.TypeExtras { return framework.TypeExtras{framework.Detection: {"k": v}} }
	tests := []struct {
		name    string
		targets []runtime.TargetSpec
		typed   []framework.Target
		extras  map[framework.Target]framework.TypeExtras
		want    []any // target i's extra k (nil: none)
	}{
		{"second target only", []runtime.TargetSpec{{Value: "10.0.0.1"}, {Value: "10.0.0.2"}}, nil,
			map[framework.Target]framework.TypeExtras{ip("10.0.0.2", ""): extra(2)}, []any{nil, 2}},
		{"none", []runtime.TargetSpec{{Value: "10.0.0.1"}, {Value: "10.0.0.2"}}, nil, nil, []any{nil, nil}},
		{"one address, two assets", []runtime.TargetSpec{{Value: "10.0.0.1", Asset: "a-1"}, {Value: "10.0.0.1", Asset: "a-2"}}, nil,
			map[framework.Target]framework.TypeExtras{ip("10.0.0.1", "a-2"): extra(2), ip("10.0.0.1", "a-1"): extra(1)}, []any{1, 2}},
		{"one target given twice: both", []runtime.TargetSpec{{Value: "10.0.0.1"}, {Value: "10.0.0.2"}, {Value: "10.0.0.1"}}, nil,
			map[framework.Target]framework.TypeExtras{ip("10.0.0.1", ""): extra(1)}, []any{1, nil, 1}},
		{"a pointer configuration", nil, []framework.Target{ip("10.0.0.1", ""),
			{Config: &signatures.NetworkConfig{TargetIPv4: "10.0.0.2"}}}, nil, []any{nil, 2}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ex := &frameworktest.Executor{Run: func(_ context.Context, in *framework.Inject) framework.ToolOutput {
				if tt.typed != nil { // keyed by the executor's own copy of the target
					return framework.ToolOutput{TargetExtras: map[framework.Target]framework.TypeExtras{in.Targets[1]: extra(2)}}
				}
				return framework.ToolOutput{TargetExtras: tt.extras}
			}}
			rt, logs := newRuntime(t, ex, &recorder{})
			rep, err := rt.Run(context.Background(), runtime.Request{Injector: "fake", Targets: tt.targets, Typed: tt.typed})
			if err != nil {
				t.Fatal(err)
			}
			for i, want := range tt.want {
				if got := values(t, rep, i)["k"]; got != want {
					t.Errorf("target %d carries the extra %v, want %v", i, got, want)
				}
				if got := rep.TargetExtras(i)[framework.Detection]["k"]; got != want {
					t.Errorf("Report.TargetExtras(%d) holds %v, want %v", i, got, want)
				}
			}
			if n := logs.FilterLevelExact(zapcore.WarnLevel).Len(); n != 0 {
				t.Errorf("%d WARN lines: %v", n, logs.All())
			}
		})
	}
}

// TestRunTargetExtrasOfNoTargetNamed checks that per-target extras keyed
// by a target the inject does not hold (an executor keying targets it
// changed or made up) are all left out, the given targets' included (an
// executor that got one key wrong may have got them all wrong), with one
// WARN line naming each key that is no target, in order, and none that
// is; the run keeps its outcome and its other extras.
func TestRunTargetExtrasOfNoTargetNamed(t *testing.T) {
	extra := framework.TypeExtras{framework.Detection: {"k": 1}}
	given := func(a string) framework.Target {
		return framework.Target{Config: signatures.NetworkConfig{TargetIPv4: a}}
	}
	// Every key of no target (an executor that forgot the attribution):
	// the first ten named, then how many more.
	var many []framework.Target
	var manyBad, manyGood []string
	for i := 10; i < 35; i++ {
		a := fmt.Sprintf("10.0.9.%d", i)
		many = append(many, given(a))
		if i < 20 {
			manyBad = append(manyBad, `{"target_ipv4":"`+a+`"}`)
		} else {
			manyGood = append(manyGood, `"`+a+`"`)
		}
	}
	tests := []struct {
		name      string
		keys      []framework.Target
		bad, good []string // keys the WARN names, in this order; keys it must not name
		tail      string   // the WARN's error ends so
	}{
		{"another address", []framework.Target{given("10.0.0.1"), given("10.0.0.9")},
			[]string{`{"target_ipv4":"10.0.0.9"}`}, []string{`"10.0.0.1"`}, `"10.0.0.9"}: not one of the 2 targets`},
		{"attributed otherwise, or changed", []framework.Target{given("10.0.0.2"),
			{Config: signatures.NetworkConfig{TargetIPv4: "10.0.0.1"}, Attribution: signatures.Attribution{Asset: "a-9"}},
			{Config: signatures.NetworkConfig{TargetHostname: "web.example.com"}}, {}},
			[]string{`{"target_hostname":"web.example.com"}`, `{"target_ipv4":"10.0.0.1","asset":"a-9"}`, "{}"},
			[]string{`"10.0.0.2"`}, "{}: not one of the 2 targets"},
		{"25 keys of no target: ten named", many, manyBad, manyGood,
			`{"target_ipv4":"10.0.9.19"}, … and 15 more: not one of the 2 targets`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			extras := map[framework.Target]framework.TypeExtras{}
			for _, k := range tt.keys {
				extras[k] = extra
			}
			rt, logs := newRuntime(t, &frameworktest.Executor{Output: framework.ToolOutput{TargetExtras: extras,
				ExtraSignatures: map[string]any{"kept": "yes"}}}, &recorder{})
			rep, err := rt.Run(context.Background(), runtime.Request{Injector: "fake",
				Targets: []runtime.TargetSpec{{Value: "10.0.0.1"}, {Value: "10.0.0.2"}}})
			if err != nil {
				t.Fatal(err)
			}
			if rep.Status != signatures.StatusSuccess {
				t.Errorf("status %s, want the executor's (success)", rep.Status)
			}
			for i := range 2 {
				if _, got := values(t, rep, i)["k"]; got {
					t.Errorf("target %d carries an extra", i)
				}
				if values(t, rep, i)["kept"] != "yes" {
					t.Errorf("target %d lost the other extras", i)
				}
			}
			warns := logs.FilterMessage("executor returned extras for a target it was not given, or twice; target extras ignored").All()
			if len(warns) != 1 {
				t.Fatalf("%d WARN lines, want one", len(warns))
			}
			msg, _ := warns[0].ContextMap()["error"].(string)
			at := 0
			for _, k := range tt.bad {
				j := strings.Index(msg[at:], k)
				if j < 0 {
					t.Fatalf("the WARN does not name key %s (in order): %q", k, msg)
				}
				at += j + len(k)
			}
			for _, k := range tt.good {
				if strings.Contains(msg, k) {
					t.Errorf("the WARN names key %s, a target of the inject or one past the ten named: %q", k, msg)
				}
			}
			if !strings.HasSuffix(msg, tt.tail) {
				t.Errorf("the WARN's error %q does not end with %q", msg, tt.tail)
			}
		})
	}
}

// picky rejects any target that is not 127.0.0.1.
type picky struct{ frameworktest.Executor }

func (*picky) ValidateTargets(ts []framework.Target) error {
	for i, t := range ts {
		if nc, _ := t.Network(); nc.TargetIPv4 != "127.0.0.1" {
			return &signatures.ValidationError{Field: fmt.Sprintf("targets[%d].target_ipv4", i), Value: nc.Value(), Reason: "loopback only"}
		}
	}
	return nil
}

func TestRunTargetsValidator(t *testing.T) {
	ex := &picky{}
	rec := &recorder{}
	rt, _ := newRuntime(t, ex, rec)
	_, err := rt.Run(context.Background(), runtime.Request{Injector: "fake",
		Targets: []runtime.TargetSpec{{Value: "127.0.0.1"}, {Value: "10.0.0.1"}}})
	var re *runtime.RequestError
	if !errors.As(err, &re) || !strings.Contains(err.Error(), `targets[1].target_ipv4 "10.0.0.1"`) {
		t.Fatalf("want a request error naming targets[1], got %v", err)
	}
	if len(ex.Calls()) != 0 || len(rec.delivered()) != 0 {
		t.Error("a rejected target reached the executor or the deliverer")
	}
}
