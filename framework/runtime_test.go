package framework_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"

	"github.com/injectkit/injectkit/framework"
	"github.com/injectkit/injectkit/framework/frameworktest"
	"github.com/injectkit/injectkit/signatures"
)

// recorder is a Deliverer that keeps what it is given.
type recorder struct {
	mu      sync.Mutex
	reports []*framework.Report
	err     error
}

func (r *recorder) Deliver(_ context.Context, rep *framework.Report) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.reports = append(r.reports, rep)
	return r.err
}

func pinnedManager() *signatures.Manager {
	return signatures.NewManager(
		signatures.WithResolver(signatures.Resolver{Getenv: func(k string) string {
			if k == "CONTAINER_IP" {
				return "172.17.0.2"
			}
			return ""
		}}),
		signatures.WithClock(func() time.Time { return time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC) }),
	)
}

func newRuntime(t *testing.T, ex framework.Executor, d framework.Deliverer) (*framework.Runtime, *observer.ObservedLogs) {
	t.Helper()
	core, logs := observer.New(zapcore.DebugLevel)
	reg := framework.NewRegistry()
	reg.Register("fake", func() framework.Executor { return ex })
	return &framework.Runtime{Registry: reg, Deliverer: d, Log: zap.New(core), Signatures: pinnedManager(),
		Grace: 50 * time.Millisecond}, logs
}

func values(t *testing.T, r *framework.Report, target int) map[string]any {
	t.Helper()
	out := map[string]any{}
	for _, v := range r.Payload().Targets[target].SignatureValues[0].Values {
		out[v.SignatureType] = v.SignatureValue
	}
	return out
}

func TestRunSuccess(t *testing.T) {
	ex := &frameworktest.Executor{Output: framework.ToolOutput{
		TargetExtras: []framework.TypeExtras{{framework.Detection: {"ports_discovered": []int{22}}}, nil},
	}}
	rec := &recorder{}
	rt, logs := newRuntime(t, ex, rec)
	rep, err := rt.Run(context.Background(), framework.Request{
		InjectID: "i-1", Injector: "fake", ExpectationTypes: []string{"detection", "PREVENTION"},
		Targets: []framework.TargetSpec{{Value: "10.0.0.1", Asset: "a-1", Agent: "ag-1"}, {TargetHostname: "web.example.com"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(rec.reports) != 1 || rec.reports[0] != rep {
		t.Fatalf("deliverer got %d reports", len(rec.reports))
	}
	if rep.Status != signatures.StatusSuccess || rep.Phase != framework.DefaultPhase {
		t.Errorf("status %q phase %q", rep.Status, rep.Phase)
	}
	if got := rep.Payload().Targets[0].SignatureTarget; got != (signatures.Target{Agent: "ag-1", Asset: "a-1"}) {
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
	if len(rep.Payload().Targets[0].SignatureValues) != 2 {
		t.Errorf("want DETECTION and PREVENTION groups, got %d", len(rep.Payload().Targets[0].SignatureValues))
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
		req  framework.Request
		want string
	}{
		{"unknown injector", framework.Request{Injector: "nope", Targets: []framework.TargetSpec{{Value: "10.0.0.1"}}}, "known: fake"},
		{"no targets", framework.Request{Injector: "fake"}, "targets"},
		{"hostile target", framework.Request{Injector: "fake", Targets: []framework.TargetSpec{{Value: "-oN/etc/passwd"}}}, `targets[0].value "-oN/etc/passwd"`},
		{"space in target", framework.Request{Injector: "fake", Targets: []framework.TargetSpec{{Value: "a b"}}}, `"a b"`},
		{"unknown expectation", framework.Request{Injector: "fake", ExpectationTypes: []string{"DETECT"},
			Targets: []framework.TargetSpec{{Value: "10.0.0.1"}}}, `expectation_types[0]`},
		{"mixed categories", framework.Request{Injector: "fake", Targets: []framework.TargetSpec{{Value: "10.0.0.1"},
			{CloudProvider: "aws", CloudAccountID: "1", CloudRegion: "eu-west-1"}}}, "targets[1]"},
		{"wrong category for injector", framework.Request{Injector: "fake",
			Targets: []framework.TargetSpec{{Query: "apache"}}}, "takes network targets"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ex := &frameworktest.Executor{Category: signatures.Network}
			rec := &recorder{}
			rt, _ := newRuntime(t, ex, rec)
			_, err := rt.Run(context.Background(), tt.req)
			var re *framework.RequestError
			if !errors.As(err, &re) {
				t.Fatalf("want *RequestError, got %v", err)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q does not mention %q", err, tt.want)
			}
			if len(ex.Calls()) != 0 || len(rec.reports) != 0 {
				t.Error("an invalid request reached the executor or the deliverer")
			}
		})
	}
}

func TestRunRecoversPanic(t *testing.T) {
	ex := &frameworktest.Executor{Run: func(context.Context, *framework.Inject) framework.ToolOutput {
		panic("boom")
	}}
	rt, logs := newRuntime(t, ex, &recorder{})
	rep, err := rt.Run(context.Background(), framework.Request{Injector: "fake", Targets: []framework.TargetSpec{{Value: "10.0.0.1"}}})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Status != signatures.StatusFailed || rep.Output.ErrorInfo.ExitCode != 1 || !strings.Contains(rep.Output.ErrorInfo.Message, "boom") {
		t.Errorf("status %q error info %+v", rep.Status, rep.Output.ErrorInfo)
	}
	debug := logs.FilterMessage("executor panic").All()
	if len(debug) != 1 || debug[0].Level != zapcore.DebugLevel || !strings.Contains(debug[0].ContextMap()["stack"].(string), "goroutine") {
		t.Errorf("want the stack in one DEBUG line, got %v", debug)
	}
}

func TestRunHungExecutorTimesOutWithPartials(t *testing.T) {
	release := make(chan struct{})
	defer close(release)
	ex := &frameworktest.Executor{Run: func(ctx context.Context, cfg *framework.Inject) framework.ToolOutput {
		cfg.Partial("10.0.0.1:22/tcp open ssh")
		<-release // ignores its context
		return framework.ToolOutput{}
	}}
	rec := &recorder{}
	rt, _ := newRuntime(t, ex, rec)
	rep, err := rt.Run(context.Background(), framework.Request{Injector: "fake", Timeout: framework.Duration(20 * time.Millisecond),
		Targets: []framework.TargetSpec{{Value: "10.0.0.1"}}})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Status != signatures.StatusTimeout {
		t.Fatalf("status = %q", rep.Status)
	}
	got := values(t, rep, 0)["partial_results"]
	if pr, ok := got.([]string); !ok || len(pr) != 1 || pr[0] != "10.0.0.1:22/tcp open ssh" {
		t.Errorf("partial_results = %#v", got)
	}
	if len(rec.reports) != 1 {
		t.Error("timeout signatures were not delivered")
	}
}

func TestRunCancelledStillDelivers(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	ex := &frameworktest.Executor{Run: func(ctx context.Context, cfg *framework.Inject) framework.ToolOutput {
		cfg.Partial("half done")
		cancel() // as a SIGINT would
		<-ctx.Done()
		return framework.ToolOutput{}
	}}
	rec := &recorder{}
	rt, _ := newRuntime(t, ex, rec)
	rep, err := rt.Run(ctx, framework.Request{Injector: "fake", Targets: []framework.TargetSpec{{Value: "10.0.0.1"}}})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Status != signatures.StatusTimeout || len(rec.reports) != 1 {
		t.Errorf("status %q, delivered %d", rep.Status, len(rec.reports))
	}
}

func TestRunDeliveryFailureKeepsReport(t *testing.T) {
	boom := errors.New("backend down")
	rt, _ := newRuntime(t, &frameworktest.Executor{}, &recorder{err: boom})
	_, err := rt.Run(context.Background(), framework.Request{Injector: "fake", Targets: []framework.TargetSpec{{Value: "10.0.0.1"}}})
	var de *framework.DeliveryError
	if !errors.As(err, &de) || !errors.Is(err, boom) {
		t.Fatalf("want *DeliveryError wrapping the cause, got %v", err)
	}
	if de.Report == nil || len(de.Report.Payload().Targets) != 1 {
		t.Error("the undelivered report is not attached")
	}
}

func TestRunBadExecutorOutputBecomesFailure(t *testing.T) {
	ex := &frameworktest.Executor{Output: framework.ToolOutput{Status: "weird"}}
	rt, _ := newRuntime(t, ex, &recorder{})
	rep, err := rt.Run(context.Background(), framework.Request{Injector: "fake", Targets: []framework.TargetSpec{{Value: "10.0.0.1"}}})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Status != signatures.StatusFailed || !strings.Contains(rep.Output.ErrorInfo.Message, "weird") {
		t.Errorf("status %q info %+v", rep.Status, rep.Output.ErrorInfo)
	}
}

func TestConformanceOfFake(t *testing.T) {
	frameworktest.Conformance(t, &frameworktest.Executor{}, signatures.NetworkConfig{TargetIPv4: "127.0.0.1"})
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
	_, err := rt.Run(context.Background(), framework.Request{Injector: "fake",
		Targets: []framework.TargetSpec{{Value: "127.0.0.1"}, {Value: "10.0.0.1"}}})
	var re *framework.RequestError
	if !errors.As(err, &re) || !strings.Contains(err.Error(), `targets[1].target_ipv4 "10.0.0.1"`) {
		t.Fatalf("want a request error naming targets[1], got %v", err)
	}
	if len(ex.Calls()) != 0 || len(rec.reports) != 0 {
		t.Error("a rejected target reached the executor or the deliverer")
	}
}
