package runtime_test

import (
	"context"
	"encoding/json"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/injectkit/injectkit/framework"
	"github.com/injectkit/injectkit/framework/frameworktest"
	"github.com/injectkit/injectkit/runtime"
	"github.com/injectkit/injectkit/signatures"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"
)

// checkingExecutor is a fake executor with a TargetsValidator, which may
// change the targets it is handed as Execute may.
type checkingExecutor struct {
	frameworktest.Executor
	check func(targets []framework.Target)
}

func (c *checkingExecutor) ValidateTargets(targets []framework.Target) error {
	c.check(targets)
	return nil
}

var _ framework.TargetsValidator = (*checkingExecutor)(nil)

// wire is what a deliverer sends of r: its payload streamed target by
// target and materialised, encoded.
func wire(t *testing.T, r *runtime.Report) (streamed []string, whole string) {
	t.Helper()
	for _, pt := range r.PayloadTargets() {
		b, err := json.Marshal(pt)
		if err != nil {
			t.Fatal(err)
		}
		streamed = append(streamed, string(b))
	}
	b, err := json.Marshal(payload(t, r))
	if err != nil {
		t.Fatal(err)
	}
	return streamed, string(b)
}

// TestExecutorChangingItsInjectChangesNoSignature runs executors that
// change what they are handed (a target's configuration, to another
// address, another category or nil; its attribution; the expectation
// types; the targets' category; the params) and checks that the report
// and its payload are those of the same run by an executor that changes
// nothing, and that the request is left as it was.
func TestExecutorChangingItsInjectChangesNoSignature(t *testing.T) {
	specs := []runtime.TargetSpec{{Value: "10.0.0.1", Asset: "asset-1", Agent: "agent-1"}, {Value: "10.0.0.2", Asset: "asset-2"}}
	typed := func() []framework.Target {
		return []framework.Target{
			{Config: signatures.NetworkConfig{TargetIPv4: "10.0.0.1"}, Attribution: signatures.Attribution{Asset: "asset-1"}},
			{Config: &signatures.NetworkConfig{TargetIPv4: "10.0.0.2"}, Attribution: signatures.Attribution{Asset: "asset-2"}},
		}
	}
	mutations := []struct {
		name   string
		typed  bool // the request holds typed targets, the second a pointer
		change func(in *framework.Inject)
	}{
		{"another address", false, func(in *framework.Inject) {
			in.Targets[0].Config = signatures.NetworkConfig{TargetIPv4: "6.6.6.6"}
		}},
		{"another category", false, func(in *framework.Inject) {
			in.Targets[0].Config = signatures.CloudConfig{CloudProvider: "aws", CloudAccountID: "123456789012", CloudRegion: "us-east-1"}
		}},
		// A nil configuration crashed the process in Batch.fill.
		{"nil configuration", false, func(in *framework.Inject) { in.Targets[0].Config = nil }},
		{"attribution emptied", false, func(in *framework.Inject) { in.Targets[0].Attribution = signatures.Attribution{} }},
		{"targets cut and category", false, func(in *framework.Inject) {
			in.Targets, in.Category = in.Targets[:1], framework.Cloud
		}},
		{"expectation type changed", false, func(in *framework.Inject) { in.ExpectationTypes[0] = framework.Vulnerability }},
		// An empty type made the runtime reject the inject it had run.
		{"expectation type emptied", false, func(in *framework.Inject) { in.ExpectationTypes[0] = "" }},
		{"params changed", false, func(in *framework.Inject) {
			m := in.Params.(map[string]any)
			m["mode"] = "mutated"
			m["ports"].([]any)[0] = 666.0
		}},
		{"typed target changed", true, func(in *framework.Inject) {
			in.Targets[0].Config = signatures.NetworkConfig{TargetIPv4: "6.6.6.6"}
			in.Targets[0].Attribution.Asset = "asset-666"
		}},
		{"typed pointer configuration changed", true, func(in *framework.Inject) {
			*in.Targets[1].Config.(*signatures.NetworkConfig) = signatures.NetworkConfig{TargetIPv4: "6.6.6.6"}
		}},
	}
	for _, m := range mutations {
		for _, perTarget := range []bool{false, true} {
			name := m.name
			if perTarget {
				name += "/with target extras"
			}
			t.Run(name, func(t *testing.T) {
				out := framework.ToolOutput{Findings: map[string]any{"notes": "done"}}
				if perTarget {
					first := framework.Target{Config: signatures.NetworkConfig{TargetIPv4: "10.0.0.1"},
						Attribution: signatures.Attribution{Asset: "asset-1", Agent: "agent-1"}}
					if m.typed {
						first = typed()[0]
					}
					out.TargetExtras = map[framework.Target]framework.TypeExtras{first: {framework.Detection: {"process_name": "x"}}}
				}
				request := func() runtime.Request {
					req := runtime.Request{InjectID: "inj-1", Injector: "fake", ExpectationTypes: []string{"DETECTION", "PREVENTION"},
						Params: map[string]any{"mode": "scan", "ports": []any{22.0, 80.0}}}
					if m.typed {
						req.Typed = typed()
					} else {
						req.Targets = specs
					}
					return req
				}
				run := func(ex framework.Executor, req runtime.Request) *runtime.Report {
					t.Helper()
					rt, logs := newRuntime(t, ex, &recorder{})
					r, err := rt.Run(context.Background(), req)
					if err != nil {
						t.Fatalf("Run: %v", err)
					}
					if n := logs.FilterMessage("inject rejected").Len(); n != 0 {
						t.Errorf("%d \"inject rejected\" lines", n)
					}
					return r
				}
				want := run(&frameworktest.Executor{Output: out}, request())
				if _, ok := values(t, want, 0)["process_name"]; ok != perTarget {
					t.Fatalf("target 0 carries its extra: %v, want %v", ok, perTarget)
				}
				req := request()
				ex := &checkingExecutor{check: func(targets []framework.Target) {
					if m.typed {
						targets[0].Attribution.Agent = "agent-666" // ValidateTargets is handed a copy of its own (TestValidateTargetsChangesReachNothing)
					}
				}}
				ex.Run = func(_ context.Context, in *framework.Inject) framework.ToolOutput {
					m.change(in)
					return out
				}
				got := run(ex, req)

				if got.Status != want.Status || got.Output.ErrorInfo != nil {
					t.Errorf("status %s %+v, want %s", got.Status, got.Output.ErrorInfo, want.Status)
				}
				if got.Category != want.Category || !reflect.DeepEqual(got.Types, want.Types) || !reflect.DeepEqual(got.Targets, want.Targets) {
					t.Errorf("report: category %s, types %v, targets %v; want %s, %v, %v",
						got.Category, got.Types, got.Targets, want.Category, want.Types, want.Targets)
				}
				gotStream, gotWhole := wire(t, got)
				wantStream, wantWhole := wire(t, want)
				if !reflect.DeepEqual(gotStream, wantStream) {
					t.Errorf("streamed payload:\n%q\nwant\n%q", gotStream, wantStream)
				}
				if gotWhole != wantWhole {
					t.Errorf("payload:\n%s\nwant\n%s", gotWhole, wantWhole)
				}
				if fresh := request(); !reflect.DeepEqual(req.Params, fresh.Params) || !reflect.DeepEqual(req.Typed, fresh.Typed) {
					t.Errorf("the request was changed: params %v, typed targets %v", req.Params, req.Typed)
				}
			})
		}
	}
}

// given is the target every test of this file gives, and expects back
// unchanged in the caller's request and the report.
var given = framework.Target{Config: signatures.NetworkConfig{TargetIPv4: "10.0.0.1"}, Attribution: signatures.Attribution{Asset: "asset-1"}}

// spoil is what a misbehaving executor writes in the targets it was handed:
// a pointer configuration first (to the address of the next target), then
// the slice.
func spoil(targets []framework.Target) {
	if c, ok := targets[0].Config.(*signatures.NetworkConfig); ok {
		*c = signatures.NetworkConfig{TargetIPv4: "10.0.0.2"}
	}
	targets[0].Config = signatures.NetworkConfig{TargetIPv4: "6.6.6.6"}
	targets[0].Attribution.Asset = "asset-666"
}

// keeping is an executor that writes in the targets it was handed when it
// is closed (kept from Execute).
type keeping struct {
	frameworktest.Executor
	kept []framework.Target
}

func (k *keeping) Close() error {
	spoil(k.kept)
	return nil
}

// TestExecutorWritingLateChangesNothingOfTheCaller runs executors that
// write in their targets after the runtime stopped waiting for them (one
// abandoned after its deadline, a goroutine left running after Execute
// returned, one writing once the runtime logged the run executed, a Close
// writing in the targets Execute kept), with typed targets the runtime
// keeps as they are (canonical, value configurations, or a pointer one).
// The caller's slice and the report keep the targets given, the per-target
// extras the executor returned keyed by the target it was handed reach that
// target only (a pointer configuration written after names it still, not
// the target whose address it was given), with no WARN, and (-race) nothing
// the runtime reads races with the executor's writes: the executor was
// handed the caller's own slice.
func TestExecutorWritingLateChangesNothingOfTheCaller(t *testing.T) {
	extra := framework.TypeExtras{framework.Detection: {"k": 1}}
	tests := []struct {
		name    string
		timeout time.Duration
		// ex returns the executor and a channel closed once it has
		// written, which release lets it do.
		ex func(release <-chan struct{}) (framework.Executor, <-chan struct{})
		// logged: release is closed when the runtime logs the run
		// executed (it has the output, not yet the payload), and the
		// runtime waits there for the write.
		logged bool
		status signatures.ExecutionStatus
	}{
		{"abandoned after its deadline", 20 * time.Millisecond, func(release <-chan struct{}) (framework.Executor, <-chan struct{}) {
			written := make(chan struct{})
			return &frameworktest.Executor{Run: func(_ context.Context, in *framework.Inject) framework.ToolOutput {
				<-release
				spoil(in.Targets)
				close(written)
				return framework.ToolOutput{}
			}}, written
		}, false, signatures.StatusTimeout},
		{"a goroutine left running", 0, func(release <-chan struct{}) (framework.Executor, <-chan struct{}) {
			written := make(chan struct{})
			return &frameworktest.Executor{Run: func(_ context.Context, in *framework.Inject) framework.ToolOutput {
				out := framework.ToolOutput{Status: framework.StatusSuccess,
					TargetExtras: map[framework.Target]framework.TypeExtras{in.Targets[0]: extra}}
				go func() {
					spoil(in.Targets) // while the runtime compiles and delivers
					close(written)
				}()
				return out
			}}, written
		}, false, signatures.StatusSuccess},
		{"a goroutine writing once the run is logged executed", 0, func(release <-chan struct{}) (framework.Executor, <-chan struct{}) {
			written := make(chan struct{})
			return &frameworktest.Executor{Run: func(_ context.Context, in *framework.Inject) framework.ToolOutput {
				out := framework.ToolOutput{Status: framework.StatusSuccess,
					TargetExtras: map[framework.Target]framework.TypeExtras{in.Targets[0]: extra}}
				go func() {
					<-release
					spoil(in.Targets)
					close(written)
				}()
				return out
			}}, written
		}, true, signatures.StatusSuccess},
		{"Close", 0, func(<-chan struct{}) (framework.Executor, <-chan struct{}) {
			k := &keeping{}
			k.Run = func(_ context.Context, in *framework.Inject) framework.ToolOutput {
				k.kept = in.Targets
				return framework.ToolOutput{Status: framework.StatusSuccess,
					TargetExtras: map[framework.Target]framework.TypeExtras{in.Targets[0]: extra}}
			}
			written := make(chan struct{})
			close(written) // Close runs before Run returns
			return k, written
		}, false, signatures.StatusSuccess},
	}
	forms := []struct {
		name  string
		first func() framework.Target // given, as the caller holds it
	}{
		{"value configuration", func() framework.Target { return given }},
		{"pointer configuration", func() framework.Target {
			c := given.Config.(signatures.NetworkConfig)
			return framework.Target{Config: &c, Attribution: given.Attribution}
		}},
	}
	for _, form := range forms {
		for _, tt := range tests {
			t.Run(form.name+"/"+tt.name, func(t *testing.T) {
				release := make(chan struct{})
				var once sync.Once
				ex, written := tt.ex(release)
				opts := []runtime.Option{}
				core, hooked := observer.New(zapcore.DebugLevel)
				if tt.logged {
					opts = append(opts, runtime.WithLogger(zap.New(zapcore.RegisterHooks(core, func(e zapcore.Entry) error {
						if e.Message == "executed" {
							once.Do(func() { close(release) })
							<-written
						}
						return nil
					}))))
				}
				rt, logs := newRuntime(t, ex, &recorder{}, opts...)
				if tt.logged {
					logs = hooked
				}
				// The second target is the first's asset at the address
				// spoil writes in the first's pointer configuration.
				typed := []framework.Target{form.first(), {Config: signatures.NetworkConfig{TargetIPv4: "10.0.0.2"}, Attribution: given.Attribution}}
				req := runtime.Request{Injector: "fake", Timeout: runtime.Duration(tt.timeout), Typed: typed}
				r, err := rt.Run(context.Background(), req)
				once.Do(func() { close(release) })
				<-written
				if err != nil {
					t.Fatal(err)
				}
				if typed[0].ExtrasKey() != given {
					t.Errorf("the caller's typed target is %+v, want %+v", typed[0], given)
				}
				if r.Status != tt.status || len(r.Targets) != 2 || r.Targets[0].ExtrasKey() != given {
					t.Errorf("report: status %s, targets %+v; want %s, [%+v …]", r.Status, r.Targets, tt.status, given)
				}
				var want any
				if tt.status == signatures.StatusSuccess {
					want = 1
				}
				if got := values(t, r, 0)["k"]; got != want {
					t.Errorf("target 0 carries the extra %v, want %v", got, want)
				}
				if got := values(t, r, 1)["k"]; got != nil {
					t.Errorf("target 1 carries the extra %v, want none (target 0's)", got)
				}
				if w := logs.FilterMessage("executor returned extras for a target it was not given, or twice; target extras ignored"); w.Len() != 0 {
					t.Errorf("WARN: %v", w.All())
				}
			})
		}
	}
}
