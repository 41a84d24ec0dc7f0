package openaev_test

import (
	"cmp"
	"context"
	"fmt"
	"net/netip"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"

	"github.com/injectkit/injectkit/framework"
	"github.com/injectkit/injectkit/injectors/nmap"
	"github.com/injectkit/injectkit/injectors/noop"
	"github.com/injectkit/injectkit/internal/testkit"
	"github.com/injectkit/injectkit/openaev"
	"github.com/injectkit/injectkit/openaev/openaevtest"
	"github.com/injectkit/injectkit/runtime"
	"github.com/injectkit/injectkit/serve"
	"github.com/injectkit/injectkit/signatures"
)

const (
	testToken      = "tok-3f9c2a-secret"
	testInjectorID = "5f2a8c4e-8a51-4c1e-9d3b-2c7f0e6a1b99"
)

// fakeNmap is an executor shaped like the nmap injector: the same manifest
// (params, expectations, outputs) and findings attributed to targets by
// address, with per-target list extras and a scalar per-type extra.
type fakeNmap struct {
	// open maps a target value to its open ports.
	open map[string][]int
	// fail, when set, makes the run fail with this message.
	fail string
	// block makes Execute wait for its context.
	block bool
	// calls counts the runs.
	calls atomic.Int32
	// during, when set, is called by the next run as it starts (once).
	during func()
	// raw, when set, is the action_output (nmap's XML), else "<nmaprun/>".
	raw string
	// service, when set, is the service of every scan row, else "ssh".
	service string
	// commandLine, when set, is the DETECTION extra "command_line" (a
	// signature type of the collectors' enum).
	commandLine string
	// unreached maps a target value to why the run did not reach it
	// (ToolOutput.Unreached); the run is partial then.
	unreached map[string]string
	// unscanned are more targets unscanned_targets lists, after those
	// not reached (as nmap's lists a name that does not resolve).
	unscanned []string
	// own maps a target value to its own outcome (ToolOutput.TargetStatus).
	own map[string]framework.ExecutionStatus
	// status, when set, is the run's outcome.
	status framework.ExecutionStatus
	// addrs maps a host name target to the addresses scanned for it
	// (ToolOutput.TargetAddresses).
	addrs map[string][]netip.Addr
}

// Manifest is the nmap injector's, without its description and with the
// params the fake takes.
func (*fakeNmap) Manifest() framework.Manifest {
	m := nmap.New().Manifest()
	m.Description = ""
	m.Params = []framework.Param{
		{Name: "scan_type", Type: framework.ParamEnum, Default: "connect", Enum: []string{"connect", "syn", "fin"}},
		{Name: "ports", Type: framework.ParamString},
		{Name: "timing", Type: framework.ParamInt, Default: "3"},
		{Name: "service_detection", Type: framework.ParamBool, Default: "false"},
	}
	return m
}

// SendsToTargets reports true, as the nmap injector's: its targets' host
// names are resolved before the run (runtime.Runtime.LookupHosts).
func (*fakeNmap) SendsToTargets() bool { return true }

// holdNextRun makes the next run wait, once started, until release is
// called (more calls do nothing): started is closed when it starts.
func (f *fakeNmap) holdNextRun() (started <-chan struct{}, release func()) {
	begun, held := make(chan struct{}), make(chan struct{})
	f.during = func() { close(begun); <-held }
	return begun, sync.OnceFunc(func() { close(held) })
}

func (f *fakeNmap) Execute(ctx context.Context, in *framework.Inject) framework.ToolOutput {
	f.calls.Add(1)
	if during := f.during; during != nil {
		f.during = nil
		during()
	}
	if f.block {
		in.Partial("first host done")
		<-ctx.Done()
		return framework.ToolOutput{}
	}
	if f.fail != "" {
		return framework.ToolOutput{Status: framework.StatusFailed, ErrorInfo: &framework.ErrorInfo{ExitCode: 1, Message: f.fail}}
	}
	type row struct {
		Port    int    `json:"port"`
		Host    string `json:"host"`
		Service string `json:"service"`
		Asset   string `json:"asset_id"`
	}
	var rows []row
	var ports []int
	extras := make(map[framework.Target]framework.TypeExtras, len(in.Targets))
	// Walk the targets in reverse: attribution must not depend on position.
	for i := len(in.Targets) - 1; i >= 0; i-- {
		t := in.Targets[i]
		nc, _ := t.Network()
		open := f.open[nc.Value()]
		for _, p := range open {
			rows = append(rows, row{p, nc.Value(), cmp.Or(f.service, "ssh"), t.Attribution.Asset})
			ports = append(ports, p)
		}
		extras[t] = framework.TypeExtras{
			framework.Detection:  {"ports_discovered": open, "services_discovered": []map[string]any{{"port": 22}}},
			framework.Prevention: {"ports_discovered": open},
		}
	}
	byType := framework.TypeExtras{framework.Detection: {"scan_type": "connect", "probe_count": 2}}
	if f.commandLine != "" {
		byType[framework.Detection]["command_line"] = f.commandLine
	}
	out := framework.ToolOutput{
		Status: framework.StatusSuccess,
		Findings: map[string]any{"scan_results": rows, "ports": ports, "action_output": cmp.Or(f.raw, "<nmaprun/>"),
			"unscanned_targets": []string{}},
		ExtraByType:  byType,
		TargetExtras: extras,
	}
	var unscanned []string
	for _, t := range in.Targets {
		nc, _ := t.Network()
		if why, ok := f.unreached[nc.Value()]; ok {
			if out.Unreached == nil {
				out.Unreached = map[framework.Target]string{}
			}
			out.Unreached[t], out.Status = why, framework.StatusPartial
			unscanned = append(unscanned, nc.Value())
		}
	}
	out.Findings["unscanned_targets"] = append(unscanned, f.unscanned...)
	for _, t := range in.Targets {
		nc, _ := t.Network()
		if st, ok := f.own[nc.Value()]; ok {
			if out.TargetStatus == nil {
				out.TargetStatus = map[framework.Target]framework.ExecutionStatus{}
			}
			out.TargetStatus[t] = st
		}
	}
	for _, t := range in.Targets {
		nc, _ := t.Network()
		if a, ok := f.addrs[nc.Value()]; ok {
			if out.TargetAddresses == nil {
				out.TargetAddresses = map[framework.Target][]netip.Addr{}
			}
			out.TargetAddresses[t] = a
		}
	}
	if f.status != "" {
		out.Status = f.status
	}
	return out
}

// offlineClient is a client of the test injector for a platform nothing
// listens on: for what a client builds without sending (Contracts).
func offlineClient(t *testing.T) *openaev.Client {
	t.Helper()
	c, err := openaev.NewClient(openaev.Config{URL: "http://127.0.0.1:1", InjectorID: testInjectorID})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// env is one test's platform, client, profile and processor, over a
// runtime running the registry's injectors.
type env struct {
	platform *openaevtest.Platform
	client   *openaev.Client
	registry *framework.Registry
	profile  *openaev.Profile
	proc     *openaev.Processor
	nmap     *fakeNmap
	log      *zap.Logger
	logs     *observer.ObservedLogs
}

var testClock = time.Date(2026, 11, 27, 9, 30, 0, 0, time.UTC)

func newEnv(t testing.TB, opts ...openaev.Option) *env {
	t.Helper()
	return newEnvOn(t, nil, opts...)
}

// newEnvOn is newEnv over a platform of options popts.
func newEnvOn(t testing.TB, popts []openaevtest.Option, opts ...openaev.Option) *env {
	t.Helper()
	e := &env{platform: openaevtest.NewPlatform(t, testToken, popts...), nmap: &fakeNmap{open: map[string][]int{}}}
	log, logs := testkit.Logger()
	e.logs = logs
	opts = append([]openaev.Option{openaev.WithLogger(log), openaev.WithRetry(4, time.Millisecond)}, opts...)
	c, err := openaev.NewClient(openaev.Config{URL: e.platform.URL, Token: testToken, InjectorID: testInjectorID,
		InjectorName: "InjectKit", InjectorType: "injectkit"}, opts...)
	if err != nil {
		t.Fatal(err)
	}
	e.client = c
	e.log = log
	e.registry = framework.NewRegistry()
	e.registry.Register("nmap", func() framework.Executor { return e.nmap })
	e.registry.Register("noop", func() framework.Executor { return noop.New() })
	e.build(testManifests())
	return e
}

// build makes the profile and the processor over c for manifests, with
// a runtime on the test clock (and opts).
func (e *env) build(manifests []framework.Manifest, opts ...runtime.Option) {
	e.profile = openaev.NewProfile(e.client, manifests, e.log)
	e.proc = openaev.NewProcessor(newTestRuntime(e.registry, e.profile, e.log, opts...), e.profile)
}

// newTestRuntime is a runtime on the test clock, with a pinned source
// address, delivering to d.
func newTestRuntime(reg *framework.Registry, d runtime.Deliverer, log *zap.Logger, opts ...runtime.Option) *runtime.Runtime {
	return runtime.New(reg, append([]runtime.Option{runtime.WithDeliverer(d), runtime.WithLogger(log),
		runtime.WithGrace(50 * time.Millisecond), runtime.WithClock(func() time.Time { return testClock }),
		runtime.WithSignatures(signatures.NewManager(signatures.WithClock(func() time.Time { return testClock }),
			signatures.WithResolver(signatures.Resolver{Getenv: func(string) string { return "192.0.2.10" }})))}, opts...)...)
}

func testManifests() []framework.Manifest {
	return []framework.Manifest{(&fakeNmap{}).Manifest(), noop.New().Manifest()}
}

// message builds a platform message for the contract of injector, and
// creates its inject on the platform (which answers 404 for the others),
// which holds the message's assets, as the platform holds an inject's.
func (e *env) message(t testing.TB, injectID, injector string, content map[string]any, assets []map[string]any, groups []map[string]any) []byte {
	t.Helper()
	e.platform.AddInject(injectID, openaev.ContractID(injector))
	for _, a := range assets { // the platform holds the assets it sends
		for _, k := range []string{"asset_id", "endpoint_id"} {
			if id, _ := a[k].(string); id != "" {
				e.platform.AddAssets(id)
			}
		}
	}
	return openaevtest.Message(openaevtest.QueuedInject{ID: injectID, Title: "a test inject",
		ContractID: e.client.ContractID(injector), Content: content, Assets: assets, AssetGroups: groups})
}

// translate parses body and translates it to a run request. With wantErr
// set, the translation must fail with an error holding it, and ok is
// false; otherwise it must succeed.
func (e *env) translate(t *testing.T, body []byte, wantErr string) (req runtime.Request, ok bool) {
	t.Helper()
	m, err := openaev.ParseMessage(body)
	if err != nil {
		t.Fatal(err)
	}
	req, _, err = e.proc.Translate(context.Background(), m)
	switch {
	case wantErr != "":
		if err == nil || !strings.Contains(err.Error(), wantErr) {
			t.Fatalf("err = %v, want %q", err, wantErr)
		}
		return req, false
	case err != nil:
		t.Fatal(err)
	}
	return req, true
}

// register registers the test manifests with the platform, so that it
// knows their contracts' outputs.
func (e *env) register(t testing.TB) {
	t.Helper()
	if _, err := e.client.Register(context.Background(), testManifests(), false); err != nil {
		t.Fatal(err)
	}
}

// kinds returns the kinds and statuses of calls, e.g. "reception 200".
func kinds(calls []openaevtest.Call) []string {
	out := make([]string, len(calls))
	for i, c := range calls {
		out[i] = fmt.Sprintf("%s %d", c.Kind, c.Status)
	}
	return out
}

// withoutSettings drops the version reads (GET /api/settings…) from calls.
func withoutSettings(calls []openaevtest.Call) []openaevtest.Call {
	out := calls[:0:0]
	for _, c := range calls {
		if c.Kind != openaevtest.KindSettings {
			out = append(out, c)
		}
	}
	return out
}

// expectationSignatures returns the expectation_signatures of a terminal
// call's structured output.
func expectationSignatures(t *testing.T, c openaevtest.Call) map[string]any {
	t.Helper()
	doc, ok := c.Structured()
	if !ok {
		t.Fatalf("execution_output_structured is not a JSON object string: %v", c.Body["execution_output_structured"])
	}
	sig, ok := doc["expectation_signatures"].(map[string]any)
	if !ok {
		t.Fatalf("no expectation_signatures in %v", doc)
	}
	return sig
}

// assertNoSecret fails when the token or the broker password appears in
// the observed logs.
func assertNoSecret(t *testing.T, logs *observer.ObservedLogs, secrets ...string) {
	t.Helper()
	for _, entry := range logs.All() {
		line := entry.Message
		for k, v := range entry.ContextMap() {
			line += fmt.Sprintf(" %s=%v", k, v)
		}
		for _, s := range secrets {
			if s != "" && strings.Contains(line, s) {
				t.Errorf("secret %q logged: %s", s, line)
			}
		}
	}
}

// message is the execution_message of a callback body, without the run
// mark a "complete"'s ends with (openaevtest.Unmarked).
func message(body map[string]any) string {
	s, _ := body["execution_message"].(string)
	return openaevtest.Unmarked(s)
}

// waitingCopy has h handle d, a copy of a message whose inject a run of
// this process holds, and returns the channel of its outcome once the
// copy waits for that run (its INFO line logged).
func (e *env) waitingCopy(t *testing.T, h *openaev.Handler, d serve.Delivery) <-chan error {
	t.Helper()
	errc := make(chan error, 1)
	go func() { errc <- h.HandleDelivery(t.Context(), d) }()
	testkit.WaitFor(t, testkit.Hang, "the copy waiting for the run", func() bool {
		return e.logs.FilterMessageSnippet("waiting for that run, whose outcome settles it").Len() == 1
	})
	return errc
}

// registerOnce registers testManifests (withIcon: and the icon) on a new
// stand-in with cfg, its URL, token and injector id set to the stand-in's
// and the tests', retrying twice a millisecond apart: the registration
// calls the stand-in received, and the error of the client or of its
// registration.
func registerOnce(t *testing.T, cfg openaev.Config, withIcon bool) ([]openaevtest.Call, error) {
	t.Helper()
	p := openaevtest.NewPlatform(t, testToken)
	cfg.URL, cfg.Token, cfg.InjectorID = p.URL, testToken, testInjectorID
	c, err := openaev.NewClient(cfg, openaev.WithRetry(2, time.Millisecond))
	if err == nil {
		_, err = c.Register(context.Background(), testManifests(), withIcon)
	}
	return p.Registrations(), err
}
