package runtime_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"go.uber.org/zap/zapcore"

	"github.com/injectkit/injectkit/framework"
	"github.com/injectkit/injectkit/framework/frameworktest"
	"github.com/injectkit/injectkit/runtime"
	"github.com/injectkit/injectkit/signatures"
)

func TestRunSuccess(t *testing.T) {
	ex := &frameworktest.Executor{Output: framework.ToolOutput{
		TargetExtras: map[framework.Target]framework.TypeExtras{{Config: signatures.NetworkConfig{TargetIPv4: "10.0.0.1"},
			Attribution: signatures.Attribution{Asset: "a-1", Agent: "ag-1"}}: {framework.Detection: {"ports_discovered": []int{22}}}},
	}}
	rec := &recorder{}
	rt, logs := newRuntime(t, ex, rec)
	rep, err := rt.Run(context.Background(), runtime.Request{
		InjectID: "i-1", Injector: "fake", ExpectationTypes: []string{"detection", "PREVENTION"},
		Targets: []runtime.TargetSpec{{Value: "10.0.0.1", Asset: "a-1", Agent: "ag-1"}, {TargetHostname: "web.example.com"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if got := rec.delivered(); len(got) != 1 || got[0] != rep {
		t.Fatalf("deliverer got %d reports", len(got))
	}
	if rep.Status != signatures.StatusSuccess || rep.Output.Status != signatures.StatusSuccess || rep.Phase != runtime.DefaultPhase {
		t.Errorf("status %q (output %q) phase %q", rep.Status, rep.Output.Status, rep.Phase)
	}
	if got := payload(t, rep).Targets[0].SignatureTarget; got != (signatures.Attribution{Agent: "ag-1", Asset: "a-1"}) {
		t.Errorf("signature_target = %+v", got)
	}
	v0, v1 := values(t, rep, 0), values(t, rep, 1)
	if v0["target_ipv4"] != "10.0.0.1" || v0["source_ipv4"] != "172.17.0.2" || v0["execution_status"] != "success" {
		t.Errorf("target 0 values = %v", v0)
	}
	if _, ok := v0["ports_discovered"]; !ok {
		t.Errorf("target extras missing from target 0: %v", v0)
	}
	if _, ok := v1["ports_discovered"]; ok {
		t.Errorf("target 0's extras leaked into target 1: %v", v1)
	}
	if len(payload(t, rep).Targets[0].SignatureValues) != 2 {
		t.Errorf("want DETECTION and PREVENTION groups, got %d", len(payload(t, rep).Targets[0].SignatureValues))
	}
	// The stream and the materialised payload agree.
	n := 0
	for i, pt := range rep.PayloadTargets() {
		if pt.SignatureTarget != payload(t, rep).Targets[i].SignatureTarget {
			t.Errorf("streamed target %d differs", i)
		}
		n++
	}
	if n != 2 {
		t.Errorf("streamed %d targets", n)
	}
	calls := ex.Calls()
	if len(calls) != 1 || calls[0].ID != "i-1" || calls[0].Category != signatures.Network || len(calls[0].Targets) != 2 {
		t.Fatalf("executor calls = %+v", calls)
	}
	for _, phase := range []string{"pre-execution signatures compiled", "executed", "payload built", "delivered"} {
		if logs.FilterMessage(phase).Len() != 1 {
			t.Errorf("want one INFO line %q", phase)
		}
	}
}

func TestRunRejectsInvalidRequests(t *testing.T) {
	tests := []struct {
		name string
		req  runtime.Request
		want string
	}{
		{"unknown injector", runtime.Request{Injector: "nope", Targets: loopback()}, "known: fake"},
		{"no injector", runtime.Request{Targets: loopback()}, "injector"},
		{"no targets", runtime.Request{Injector: "fake"}, "targets"},
		{"hostile target", runtime.Request{Injector: "fake", Targets: []runtime.TargetSpec{{Value: "-oN/etc/passwd"}}}, `targets[0].value "-oN/etc/passwd"`},
		{"space in target", runtime.Request{Injector: "fake", Targets: []runtime.TargetSpec{{Value: "a b"}}}, `"a b"`},
		{"unknown expectation", runtime.Request{Injector: "fake", ExpectationTypes: []string{"DETECT"}, Targets: loopback()}, `expectation_types[0]`},
		{"mixed categories", runtime.Request{Injector: "fake", Targets: []runtime.TargetSpec{{Value: "10.0.0.1"},
			{CloudProvider: "aws", CloudAccountID: "1", CloudRegion: "eu-west-1"}}}, "targets[1]"},
		{"wrong category for injector", runtime.Request{Injector: "fake",
			Targets: []runtime.TargetSpec{{Query: "apache"}}}, "takes network targets"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := rejected(t, &frameworktest.Executor{Category: signatures.Network}, tt.req)
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q does not mention %q", err, tt.want)
			}
		})
	}
}

func TestRunRecoversPanic(t *testing.T) {
	ex := &frameworktest.Executor{Run: func(context.Context, *framework.Inject) framework.ToolOutput {
		panic("boom")
	}}
	rt, logs := newRuntime(t, ex, &recorder{}, runtime.WithClock(func() time.Time { return testClock }))
	rep, err := rt.Run(context.Background(), runtime.Request{Injector: "fake", Targets: loopback()})
	if err != nil {
		t.Fatal(err)
	}
	// The message names the injector and the method, as for the other
	// methods' panics.
	if rep.Status != signatures.StatusFailed || rep.Output.ErrorInfo.ExitCode != 1 ||
		rep.Output.ErrorInfo.Message != "injector fake: Execute panicked: boom" {
		t.Errorf("status %q error info %+v", rep.Status, rep.Output.ErrorInfo)
	}
	// The crash time comes from the runtime's clock.
	if got := values(t, rep, 0)["end_time"]; got != "2026-11-27T10:00:00Z" {
		t.Errorf("end_time = %v", got)
	}
	debug := logs.FilterMessage("executor panic").All()
	if len(debug) != 1 || debug[0].Level != zapcore.DebugLevel || !strings.Contains(debug[0].ContextMap()["stack"].(string), "goroutine") {
		t.Errorf("want the stack in one DEBUG line, got %v", debug)
	}
}

// The runtime, not the executor, marks a run cut short as a timeout and
// attaches every partial result, whatever the executor returned.
func TestRunCutShortIsATimeoutWithPartials(t *testing.T) {
	release := make(chan struct{})
	defer close(release)
	tests := []struct {
		name    string
		timeout time.Duration
		run     func(ctx context.Context, cancel context.CancelFunc) framework.ToolOutput
		want    signatures.ExecutionStatus
	}{
		{"hung executor abandoned after its grace", 20 * time.Millisecond,
			func(context.Context, context.CancelFunc) framework.ToolOutput {
				<-release
				return framework.ToolOutput{}
			},
			signatures.StatusTimeout},
		{"cancelled, as by a SIGINT", time.Hour,
			func(ctx context.Context, cancel context.CancelFunc) framework.ToolOutput {
				cancel()
				<-ctx.Done()
				return framework.ToolOutput{}
			}, signatures.StatusTimeout},
		{"deadline, executor says partial", 20 * time.Millisecond,
			func(ctx context.Context, _ context.CancelFunc) framework.ToolOutput {
				<-ctx.Done()
				return framework.ToolOutput{Status: framework.StatusPartial}
			}, signatures.StatusTimeout},
		{"deadline, executor failed", 20 * time.Millisecond,
			func(ctx context.Context, _ context.CancelFunc) framework.ToolOutput {
				<-ctx.Done()
				return framework.ToolOutput{Status: framework.StatusFailed, ErrorInfo: &framework.ErrorInfo{ExitCode: 2}}
			}, signatures.StatusFailed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			ex := &frameworktest.Executor{Run: func(ctx context.Context, in *framework.Inject) framework.ToolOutput {
				in.Partial("10.0.0.1:22/tcp open ssh")
				return tt.run(ctx, cancel)
			}}
			rec := &recorder{}
			rt, _ := newRuntime(t, ex, rec)
			rep, err := rt.Run(ctx, runtime.Request{Injector: "fake", Timeout: runtime.Duration(tt.timeout), Targets: loopback()})
			if err != nil {
				t.Fatal(err)
			}
			if rep.Status != tt.want || len(rec.delivered()) != 1 {
				t.Fatalf("status = %q, delivered %d", rep.Status, len(rec.delivered()))
			}
			got := values(t, rep, 0)["partial_results"]
			if tt.want != signatures.StatusTimeout {
				if got != nil || rep.Partial != nil {
					t.Errorf("partial results %v on a %s run", got, rep.Status)
				}
				return
			}
			if pr, ok := got.([]string); !ok || len(pr) != 1 || pr[0] != "10.0.0.1:22/tcp open ssh" {
				t.Errorf("partial_results = %#v", got)
			}
			if len(rep.Partial) != 1 {
				t.Errorf("report partial = %q", rep.Partial)
			}
		})
	}
}

func TestRunDeliveryFailureKeepsReport(t *testing.T) {
	boom := errors.New("backend down")
	rt, logs := newRuntime(t, &frameworktest.Executor{}, &recorder{err: boom})
	_, err := rt.Run(context.Background(), runtime.Request{Injector: "fake", Targets: loopback()})
	var de *runtime.DeliveryError
	if !errors.As(err, &de) || !errors.Is(err, boom) {
		t.Fatalf("want *DeliveryError wrapping the cause, got %v", err)
	}
	if de.Report == nil || len(payload(t, de.Report).Targets) != 1 {
		t.Error("the undelivered report is not attached")
	}
	// One ERROR line, with its duration; nothing else at ERROR.
	var errs []string
	for _, e := range logs.All() {
		if e.Level == zapcore.ErrorLevel {
			errs = append(errs, e.Message)
			if _, ok := e.ContextMap()["duration"]; !ok {
				t.Errorf("%q has no duration", e.Message)
			}
		}
	}
	if len(errs) != 1 || errs[0] != "delivery failed" {
		t.Errorf("ERROR lines %q, want one \"delivery failed\"", errs)
	}
}

// Malformed output becomes a failed outcome, never a lost inject: one
// outcome, ErrorInfo its detail only.
func TestRunMalformedOutputBecomesFailure(t *testing.T) {
	tests := []struct {
		name string
		out  framework.ToolOutput
		want string
	}{
		{"unknown status", framework.ToolOutput{Status: "weird"}, "weird"},
		{"exit code on a success", framework.ToolOutput{ErrorInfo: &framework.ErrorInfo{ExitCode: 3, Message: "x"}}, "exit_code"},
		{"extra on a core field", framework.ToolOutput{ExtraSignatures: map[string]any{"end_time": "x"}}, "end_time"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ex := &frameworktest.Executor{Output: tt.out}
			rt, _ := newRuntime(t, ex, &recorder{})
			rep, err := rt.Run(context.Background(), runtime.Request{Injector: "fake", Targets: loopback()})
			if err != nil {
				t.Fatal(err)
			}
			if rep.Status != signatures.StatusFailed || !strings.Contains(rep.Output.ErrorInfo.Message, tt.want) {
				t.Errorf("status %q info %+v", rep.Status, rep.Output.ErrorInfo)
			}
		})
	}
}

// An ErrorInfo on a partial run is its detail: the outcome stays partial.
func TestRunErrorInfoIsDetail(t *testing.T) {
	ex := &frameworktest.Executor{Output: framework.ToolOutput{Status: framework.StatusPartial,
		ErrorInfo: &framework.ErrorInfo{ExitCode: 1, Message: "one host unreachable"}}}
	rt, _ := newRuntime(t, ex, &recorder{})
	rep, err := rt.Run(context.Background(), runtime.Request{Injector: "fake", Targets: loopback()})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Status != signatures.StatusPartial || values(t, rep, 0)["execution_status"] != string(signatures.StatusPartial) {
		t.Errorf("status %q, signature %v", rep.Status, values(t, rep, 0)["execution_status"])
	}
}

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
	var re *framework.RequestError
	if !errors.As(err, &re) || !strings.Contains(err.Error(), `targets[1].target_ipv4 "10.0.0.1"`) {
		t.Fatalf("want a request error naming targets[1], got %v", err)
	}
	if len(ex.Calls()) != 0 || len(rec.delivered()) != 0 {
		t.Error("a rejected target reached the executor or the deliverer")
	}
}

// closing counts its Close calls.
type closing struct {
	frameworktest.Executor
	closed int
}

func (c *closing) Close() error { c.closed++; return nil }

func TestRunClosesTheExecutorOnce(t *testing.T) {
	for _, tt := range []struct {
		name string
		d    runtime.Deliverer
	}{{"delivered", &recorder{}}, {"delivery failed", &recorder{err: errors.New("down")}}} {
		t.Run(tt.name, func(t *testing.T) {
			ex := &closing{}
			rt, _ := newRuntime(t, ex, tt.d)
			_, _ = rt.Run(context.Background(), runtime.Request{Injector: "fake", Targets: loopback()})
			if ex.closed != 1 {
				t.Errorf("closed %d times", ex.closed)
			}
		})
	}
}

func TestConformanceOfFake(t *testing.T) {
	frameworktest.Conformance(t, &frameworktest.Executor{}, signatures.NetworkConfig{TargetIPv4: "127.0.0.1"})
}
