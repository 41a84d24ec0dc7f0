package runtime_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/injectkit/injectkit/framework"
	"github.com/injectkit/injectkit/framework/frameworktest"
	"github.com/injectkit/injectkit/runtime"
	"github.com/injectkit/injectkit/signatures"
	"go.uber.org/zap/zapcore"
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
