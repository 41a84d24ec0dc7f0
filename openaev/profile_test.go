package openaev_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"

	"github.com/injectkit/injectkit/framework"
	"github.com/injectkit/injectkit/injectors/noop"
	"github.com/injectkit/injectkit/internal/testkit"
	"github.com/injectkit/injectkit/openaev"
	"github.com/injectkit/injectkit/openaev/openaevtest"
	"github.com/injectkit/injectkit/runtime"
)

// dryEnv is a processor over a dry-run client: the requests of the profile
// are printed to out, no platform is needed.
type dryEnv struct {
	proc *openaev.Processor
	nmap *fakeNmap
	out  *bytes.Buffer
	logs *observer.ObservedLogs
}

func newDryEnv(t *testing.T, opts ...openaev.Option) *dryEnv {
	t.Helper()
	e := &dryEnv{nmap: &fakeNmap{open: map[string][]int{}}, out: &bytes.Buffer{}}
	log, logs := testkit.Logger()
	e.logs = logs
	c, err := openaev.NewClient(openaev.Config{}, append([]openaev.Option{openaev.WithLogger(log),
		openaev.WithDryRun(e.out)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	reg := framework.NewRegistry()
	reg.Register("nmap", func() framework.Executor { return e.nmap })
	reg.Register("noop", func() framework.Executor { return noop.New() })
	profile := openaev.NewProfile(c, testManifests(), log)
	e.proc = openaev.NewProcessor(newTestRuntime(reg, profile, log), profile)
	return e
}

// terminal returns the last printed request's body, which must be the
// terminal callback.
func (e *dryEnv) terminal(t *testing.T) map[string]any {
	t.Helper()
	lines := strings.Split(strings.TrimSpace(e.out.String()), "\n")
	var req struct {
		Body map[string]any `json:"body"`
	}
	if err := json.Unmarshal([]byte(lines[len(lines)-1]), &req); err != nil {
		t.Fatal(err)
	}
	if req.Body["execution_action"] != "complete" {
		t.Fatalf("last request is no terminal callback: %v", req.Body)
	}
	return req.Body
}

func structured(t *testing.T, body map[string]any) map[string]any {
	t.Helper()
	var doc map[string]any
	if err := json.Unmarshal([]byte(body["execution_output_structured"].(string)), &doc); err != nil {
		t.Fatal(err)
	}
	return doc
}

func nmapRequest(id string) runtime.Request {
	return runtime.Request{InjectID: id, Injector: "nmap",
		Targets:          []runtime.TargetSpec{{Value: "192.0.2.1", Asset: "a1"}, {Value: "192.0.2.2", Asset: "a2", Agent: "ag2"}},
		ExpectationTypes: []string{"DETECTION", "PREVENTION"}}
}

func TestProfileStatuses(t *testing.T) {
	noopReq := func(outcome string) runtime.Request {
		return runtime.Request{InjectID: "i", Injector: "noop", Targets: []runtime.TargetSpec{{Value: "192.0.2.1"}},
			Params: map[string]any{"outcome": outcome}}
	}
	tests := []struct {
		name    string
		req     runtime.Request
		fail    string // the nmap fake fails with this message
		block   bool   // the nmap fake waits for its deadline
		status  string
		message string
		invalid bool // RunRequest returns a *MessageError
	}{
		{name: "success", req: noopReq("success"), status: "SUCCESS", message: "noop on 1 target: succeeded"},
		{name: "partial is SUCCESS, the message says partial", req: noopReq("partial"), status: "SUCCESS",
			message: "partially succeeded"},
		{name: "failure", req: noopReq("failed"), status: "ERROR", message: "failed"},
		{name: "tool failure", req: nmapRequest("i"), fail: "nmap: exit 1", status: "ERROR", message: "nmap: exit 1"},
		{name: "timeout", req: func() runtime.Request {
			r := nmapRequest("i")
			r.Timeout = runtime.Duration(time.Millisecond)
			return r
		}(), block: true, status: "TIMEOUT", message: "timed out with 1 partial result"},
		{name: "invalid params", req: noopReq("sideways"), status: "INVALID_USAGE", message: "Inject rejected: ", invalid: true},
		{name: "hostile target", req: runtime.Request{InjectID: "i", Injector: "nmap",
			Targets: []runtime.TargetSpec{{Value: "-oN/tmp/x"}}}, status: "INVALID_USAGE", message: "-oN/tmp/x", invalid: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newDryEnv(t)
			e.nmap.fail, e.nmap.block = tt.fail, tt.block
			err := e.proc.RunRequest(context.Background(), tt.req)
			var me *openaev.MessageError
			if tt.invalid != errors.As(err, &me) || (!tt.invalid && err != nil) {
				t.Fatalf("err = %v", err)
			}
			done := e.terminal(t)
			if done["execution_status"] != tt.status || !strings.Contains(done["execution_message"].(string), tt.message) {
				t.Errorf("terminal %v %q, want %s %q", done["execution_status"], done["execution_message"], tt.status, tt.message)
			}
		})
	}
}

// TestProfileSignatureTypes checks that the signatures sent carry only the
// collectors' types, and that one DEBUG line per inject names the extras
// left out.
func TestProfileSignatureTypes(t *testing.T) {
	e := newDryEnv(t)
	e.nmap.open = map[string][]int{"192.0.2.1": {22}, "192.0.2.2": {80}}
	for _, id := range []string{"inj-1", "inj-2"} {
		if err := e.proc.RunRequest(context.Background(), nmapRequest(id)); err != nil {
			t.Fatal(err)
		}
		sig := structured(t, e.terminal(t))["expectation_signatures"].(map[string]any)
		targets := sig["targets"].([]any)
		if len(targets) != 2 {
			t.Fatalf("%d signature targets", len(targets))
		}
		for _, tgt := range targets {
			for _, g := range tgt.(map[string]any)["signature_values"].([]any) {
				for _, v := range g.(map[string]any)["values"].([]any) {
					if typ := v.(map[string]any)["signature_type"].(string); !openaev.KnownSignatureType(typ) {
						t.Errorf("signature type %q sent", typ)
					}
				}
			}
		}
	}
	debug := e.logs.FilterMessageSnippet("signature extras not sent").All()
	if len(debug) != 2 {
		t.Fatalf("%d DEBUG lines, want one per inject", len(debug))
	}
	for i, d := range debug {
		if d.Level != zapcore.DebugLevel || d.ContextMap()["inject_id"] != []string{"inj-1", "inj-2"}[i] {
			t.Errorf("line %v %v", d.Level, d.ContextMap())
		}
		got, _ := json.Marshal(d.ContextMap()["extras"])
		if string(got) != `["ports_discovered","probe_count","scan_type","services_discovered"]` {
			t.Errorf("extras %s", got)
		}
	}
}

// TestProfileOn24 runs on a 2.4.0 platform (given, as --openaev-version
// does): no signatures, no raw tool output, one WARN line for the whole
// process.
func TestProfileOn24(t *testing.T) {
	e := newDryEnv(t, openaev.WithPlatformVersion(v24))
	e.nmap.open = map[string][]int{"192.0.2.1": {22}}
	for _, id := range []string{"inj-1", "inj-2"} {
		if err := e.proc.RunRequest(context.Background(), nmapRequest(id)); err != nil {
			t.Fatal(err)
		}
		doc := structured(t, e.terminal(t))
		if _, ok := doc["expectation_signatures"]; ok {
			t.Errorf("signatures sent to 2.4.0: %v", doc)
		}
		if doc["ports"] == nil || doc["scan_results"] == nil {
			t.Errorf("findings lost: %v", doc)
		}
		if _, ok := doc["action_output"]; ok {
			t.Errorf("raw tool output sent to 2.4.0, which stores it as a finding: %v", doc)
		}
	}
	if w := warnings(e.logs); len(w) != 1 || !strings.Contains(w[0], "no expectation signatures are sent") {
		t.Errorf("warnings %q, want one", w)
	}
	if n := len(e.logs.FilterMessageSnippet("signature extras not sent").All()); n != 0 {
		t.Errorf("%d DEBUG lines about extras with no signatures sent", n)
	}
}

// TestDryRunPacksAsARealRun checks that a dry run prints the terminal
// callback's bodies a real run sends: as many, each of the same size, the
// "complete" carrying a run mark in both. 40 assets with an agent each:
// under 1922 to 1936 bytes, a "complete" without the mark's 15 bytes held
// a target more than a real run's, which sent one "data" callback more (an
// outside tester found it near 2220 bytes with larger targets); at 1937
// and 2220 the counts agree, the sizes did not.
func TestDryRunPacksAsARealRun(t *testing.T) {
	as := make([]map[string]any, 40)
	for i := range as {
		as[i] = asset("asset", fmt.Sprintf("asset-%d", i+1), "", fmt.Sprintf("10.0.0.%d", i+1), nil, fmt.Sprintf("agent-%d", i+1))
	}
	content := map[string]any{"target_selector": "assets", "target_property_selector": "seen_ip",
		"expectations": []map[string]any{{"expectation_type": "DETECTION"}, {"expectation_type": "PREVENTION"}}}
	for _, limit := range []int{1921, 1922, 1936, 1937, 2220} {
		t.Run(fmt.Sprintf("%d bytes", limit), func(t *testing.T) {
			e := newEnv(t)
			e.register(t)
			e.profile = openaev.NewProfile(e.client, testManifests(), e.log, openaev.WithMaxPayloadSize(int64(limit)))
			e.proc = openaev.NewProcessor(newTestRuntime(e.registry, e.profile, e.log), e.profile)
			id := fmt.Sprintf("inj-%d", limit)
			msg := e.message(t, id, "noop", content, as, nil)
			if err := e.proc.Process(context.Background(), msg); err != nil {
				t.Fatal(err)
			}
			var real []int
			for _, c := range e.platform.Calls(id) {
				if c.Kind == openaevtest.KindComplete || c.Kind == openaevtest.KindData {
					real = append(real, len(c.Raw))
				}
			}

			var out bytes.Buffer
			dc, err := openaev.NewClient(openaev.Config{}, openaev.WithDryRun(&out), openaev.WithLogger(e.log))
			if err != nil {
				t.Fatal(err)
			}
			dp := openaev.NewProfile(dc, testManifests(), e.log, openaev.WithMaxPayloadSize(int64(limit)))
			if err := openaev.NewProcessor(newTestRuntime(e.registry, dp, e.log), dp).Process(context.Background(), msg); err != nil {
				t.Fatal(err)
			}
			var dry []int
			marked := false
			for line := range bytes.Lines(out.Bytes()) {
				var req struct {
					Body json.RawMessage `json:"body"`
				}
				if err := json.Unmarshal(line, &req); err != nil {
					t.Fatal(err)
				}
				var ex openaev.Execution
				if err := json.Unmarshal(req.Body, &ex); err != nil {
					t.Fatal(err)
				}
				switch ex.Action {
				case openaev.ActionComplete:
					marked = openaevtest.Marked(ex.Message)
					fallthrough
				case openaev.ActionData:
					dry = append(dry, len(req.Body))
				}
			}
			if !slices.Equal(dry, real) {
				t.Errorf("terminal bodies: dry run %v bytes, real run %v", dry, real)
			}
			if !marked {
				t.Error("the dry run's complete carries no run mark")
			}
		})
	}
}
