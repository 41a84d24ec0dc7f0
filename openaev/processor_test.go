package openaev_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/injectkit/injectkit/openaev"
	"github.com/injectkit/injectkit/runtime"
	"github.com/injectkit/injectkit/signatures"
)

// signatureValues returns, for each signature target (by asset), the
// values of each expectation type: asset → type → signature_type → value.
func signatureValues(t *testing.T, sig map[string]any) map[string]map[string]map[string]any {
	t.Helper()
	out := map[string]map[string]map[string]any{}
	for _, raw := range sig["targets"].([]any) {
		tgt := raw.(map[string]any)
		meta := tgt["signature_target"].(map[string]any)
		asset, _ := meta["asset"].(string)
		out[asset] = map[string]map[string]any{}
		for _, g := range tgt["signature_values"].([]any) {
			group := g.(map[string]any)
			vals := map[string]any{}
			for _, v := range group["values"].([]any) {
				vv := v.(map[string]any)
				vals[vv["signature_type"].(string)] = vv["signature_value"]
			}
			out[asset][group["expectation_type"].(string)] = vals
		}
	}
	return out
}

// TestTraceNamesCanonicalTargets runs manual targets typed in
// non-canonical forms: the run's trace names each as the results do
// (its canonical form), never as typed.
func TestTraceNamesCanonicalTargets(t *testing.T) {
	e := newEnv(t)
	e.register(t)
	typed := []string{"LOCALHOST", "2001:DB8:0:0::1", "Web01.Example.COM.", "192.0.2.7"}
	e.nmap.open = map[string][]int{}
	for _, v := range typed {
		e.nmap.open[signatures.CanonicalTarget(v)] = []int{22}
	}
	body := e.message(t, "inj-canon", "nmap", map[string]any{"target_selector": "manual",
		"targets": strings.Join(typed, ",")}, nil, nil)
	if err := e.proc.Process(context.Background(), body); err != nil {
		t.Fatal(err)
	}
	calls := e.platform.Calls("inj-canon")
	if len(calls) < 3 {
		t.Fatalf("calls = %s", strings.Join(kinds(calls), ", "))
	}
	trace, _ := calls[1].Body["execution_message"].(string)
	done, _ := e.platform.Terminal("inj-canon")
	doc, _ := done.Structured()
	rows, _ := doc["scan_results"].([]any)
	if len(rows) != len(typed) {
		t.Fatalf("%d rows, want %d: %v", len(rows), len(typed), doc)
	}
	for _, r := range rows {
		host := r.(map[string]any)["host"].(string)
		if !strings.Contains(trace, host) {
			t.Errorf("trace %q does not name %s as the results do", trace, host)
		}
	}
	for _, v := range typed {
		if c := signatures.CanonicalTarget(v); c != v && strings.Contains(trace, v) {
			t.Errorf("trace %q names %s as typed, not %s", trace, v, c)
		}
	}
}

func TestProcessNmapAssets(t *testing.T) {
	e := newEnv(t)
	e.register(t)
	e.nmap.open = map[string][]int{"192.0.2.7": {22, 80}, "db01.example.com": {443}}
	body := e.message(t, "inj-nmap", "nmap",
		map[string]any{"target_selector": "assets", "target_property_selector": "automatic", "scan_type": "connect",
			"expectations": []map[string]any{{"expectation_type": "DETECTION"}, {"expectation_type": "PREVENTION"},
				{"expectation_type": "VULNERABILITY"}}},
		[]map[string]any{
			asset("asset", "a1", "web01.example.com", "192.0.2.7", nil, "ag1"),
			asset("endpoint", "a2", "db01.example.com", "", []string{"192.0.2.8"}),
		}, nil)
	if err := e.proc.Process(context.Background(), body); err != nil {
		t.Fatal(err)
	}
	calls := e.platform.Calls("inj-nmap")
	// The run's trace, one trace per target with an asset, the terminal
	// callback.
	if got := strings.Join(kinds(calls), ", "); got != "reception 200, trace 200, trace 200, trace 200, complete 200" {
		t.Fatalf("calls = %s", got)
	}
	if string(calls[0].Raw) != `{"tracking_total_count":1}` {
		t.Errorf("reception body = %s", calls[0].Raw)
	}
	if calls[0].Path != "/api/injects/execution/reception/inj-nmap" || calls[4].Path != "/api/injects/execution/callback/inj-nmap" {
		t.Errorf("paths %s %s", calls[0].Path, calls[4].Path)
	}
	trace := calls[1].Body
	if trace["execution_status"] != "INFO" || trace["execution_action"] != "command_execution" ||
		trace["execution_message"] != "Running nmap on 2 targets: 192.0.2.7, db01.example.com" {
		t.Errorf("trace = %v", trace)
	}
	calls = append(calls[:2], calls[4:]...) // the terminal callback is calls[2] below
	done := calls[2].Body
	if done["execution_status"] != "SUCCESS" || done["execution_action"] != "complete" ||
		done["execution_duration"] != float64(0) ||
		message(done) != "nmap on 2 targets: succeeded (scan_results: 3, ports: 3)" {
		t.Errorf("complete = %v", done)
	}
	if _, ok := done["execution_output_structured"].(string); !ok {
		t.Fatalf("execution_output_structured is %T, want a string", done["execution_output_structured"])
	}
	golden(t, "process/nmap_assets_structured.json", []byte(done["execution_output_structured"].(string)))

	doc, _ := calls[2].Structured()
	if _, ok := doc["unscanned_targets"]; ok {
		t.Error("an undeclared finding was sent")
	}
	// Results are attributed by address: the row of 192.0.2.7 is a1's.
	for _, r := range doc["scan_results"].([]any) {
		row := r.(map[string]any)
		want := map[string]string{"192.0.2.7": "a1", "db01.example.com": "a2"}[row["host"].(string)]
		if row["asset_id"] != want {
			t.Errorf("row %v attributed to %v, want %s", row, row["asset_id"], want)
		}
	}
	vals := signatureValues(t, expectationSignatures(t, calls[2]))
	if len(vals) != 2 || len(vals["a1"]) != 2 || vals["a1"]["VULNERABILITY"] != nil {
		t.Fatalf("want DETECTION and PREVENTION for a1 and a2, got %v", vals)
	}
	d := vals["a1"]["DETECTION"]
	wantD := map[string]any{"source_ipv4_address": "192.0.2.10", "target_ipv4_address": "192.0.2.7",
		"start_date": "2026-11-27T09:30:00Z", "end_date": "2026-11-27T09:30:00Z"}
	if !reflect.DeepEqual(d, wantD) {
		t.Errorf("a1 DETECTION =\n%v\nwant\n%v", d, wantD)
	}
	if h := vals["a2"]["PREVENTION"]["target_hostname_address"]; h != "db01.example.com" {
		t.Errorf("a2 hostname = %v", h)
	}
	sig := expectationSignatures(t, calls[2])
	meta := sig["targets"].([]any)[0].(map[string]any)["signature_target"]
	if !reflect.DeepEqual(meta, map[string]any{"agent": "ag1", "asset": "a1"}) {
		t.Errorf("signature_target = %v", meta)
	}
	// The platform processed it: findings and signatures stored, none a
	// collector cannot read.
	if !calls[2].Processed() {
		t.Errorf("terminal callback %s: %s", calls[2].Outcome, calls[2].Reason)
	}
	if got := e.platform.Signatures("inj-nmap"); len(got["DETECTION"]) == 0 || len(got["PREVENTION"]) == 0 {
		t.Errorf("stored signatures %v", got)
	}
	if b := e.platform.CollectorBreaking(); len(b) != 0 {
		t.Errorf("collector-breaking signature types %v", b)
	}
	assertNoSecret(t, e.logs, testToken)
}

func TestProcessNoopManual(t *testing.T) {
	e := newEnv(t)
	body := e.message(t, "inj-noop", "noop",
		map[string]any{"target_selector": "manual", "targets": "192.0.2.1, web.example.com", "outcome": "partial"}, nil, nil)
	if err := e.proc.Process(context.Background(), body); err != nil {
		t.Fatal(err)
	}
	calls := e.platform.Calls("inj-noop")
	if got := strings.Join(kinds(calls), ", "); got != "reception 200, trace 200, complete 200" {
		t.Fatalf("calls = %s", got)
	}
	done := calls[2].Body
	if done["execution_status"] != "SUCCESS" || message(done) != "noop on 2 targets: partially succeeded" {
		t.Errorf("complete = %v", done)
	}
	doc, _ := calls[2].Structured()
	want := map[string]any{"summary": "noop: 2 target(s), outcome partial",
		"expectation_signatures": map[string]any{"targets": []any{}}}
	if !reflect.DeepEqual(doc, want) {
		t.Errorf("structured = %v, want %v (manual targets carry no signature target)", doc, want)
	}
}

func TestProcessAssetGroupsTrace(t *testing.T) {
	e := newEnv(t)
	e.platform.SetAssetGroup("grp-1", asset("asset", "a1", "", "192.0.2.1", nil, "ag1"),
		asset("asset", "a2", "", "127.0.0.1", nil, "ag2"))
	body := e.message(t, "inj-g", "noop", map[string]any{"target_selector": "asset-groups"}, nil,
		[]map[string]any{{"asset_group_id": "grp-1", "asset_group_name": "Servers"}})
	if err := e.proc.Process(context.Background(), body); err != nil {
		t.Fatal(err)
	}
	calls := e.platform.Calls("inj-g")
	calls = append(calls[:2], calls[len(calls)-1]) // without the per-target trace
	if got := calls[1].Body["execution_message"]; got != "Running noop on 1 target: 192.0.2.1 (asset groups Servers); "+
		"skipped: asset a2 (no hostname and no usable address: 127.0.0.1 is loopback)" {
		t.Errorf("trace message = %v", got)
	}
	sig := expectationSignatures(t, calls[2])
	meta := sig["targets"].([]any)[0].(map[string]any)["signature_target"]
	if !reflect.DeepEqual(meta, map[string]any{"agent": "ag1", "asset": "a1", "asset_group": "grp-1"}) {
		t.Errorf("signature_target = %v", meta)
	}
}

func TestRunRequest(t *testing.T) {
	e := newEnv(t)
	e.platform.AddInject("inj-r", openaev.ContractID("noop"))
	req := runtime.Request{InjectID: "inj-r", Injector: "noop", ExpectationTypes: []string{"DETECTION"},
		Targets: []runtime.TargetSpec{{Value: "192.0.2.1", Asset: "a1"}}}
	if err := e.proc.RunRequest(context.Background(), req); err != nil {
		t.Fatal(err)
	}
	calls := e.platform.Calls("inj-r")
	if got := strings.Join(kinds(calls), ", "); got != "reception 200, trace 200, trace 200, complete 200" {
		t.Fatalf("calls = %s", got)
	}
	vals := signatureValues(t, expectationSignatures(t, calls[3]))
	// noop sends nothing to its targets: no target address (see
	// TestTargetAddressesOnlyForTrafficToTheTargets).
	if d := vals["a1"]["DETECTION"]; d["start_date"] == nil || d["target_ipv4_address"] != nil {
		t.Errorf("values = %v", vals)
	}
	var ve *openaev.ValidationError
	if err := e.proc.RunRequest(context.Background(), runtime.Request{Injector: "noop"}); !errors.As(err, &ve) {
		t.Errorf("no inject id: err = %v", err)
	}
}

func TestProcessDryRun(t *testing.T) {
	var out bytes.Buffer
	e := newEnv(t, openaev.WithDryRun(&out))
	body := e.message(t, "inj-d", "noop", map[string]any{"targets": "192.0.2.1"}, nil, nil)
	if err := e.proc.Process(context.Background(), body); err != nil {
		t.Fatal(err)
	}
	if n := len(e.platform.AllCalls()); n != 0 {
		t.Fatalf("a dry run sent %d requests", n)
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	var paths, actions []string
	for _, l := range lines {
		var doc struct {
			Method string         `json:"method"`
			Path   string         `json:"path"`
			Body   map[string]any `json:"body"`
		}
		if err := json.Unmarshal([]byte(l), &doc); err != nil {
			t.Fatalf("line %q: %v", l, err)
		}
		paths = append(paths, doc.Method+" "+doc.Path)
		a, _ := doc.Body["execution_action"].(string)
		actions = append(actions, a)
	}
	want := []string{"POST /api/injects/execution/reception/inj-d", "POST /api/injects/execution/callback/inj-d",
		"POST /api/injects/execution/callback/inj-d"}
	if !reflect.DeepEqual(paths, want) || !reflect.DeepEqual(actions, []string{"", "command_execution", "complete"}) {
		t.Errorf("printed %v %v", paths, actions)
	}
	// Asset groups cannot be paged without a platform: ERROR printed.
	out.Reset()
	body = e.message(t, "inj-d2", "noop", map[string]any{"target_selector": "asset-groups"}, nil,
		[]map[string]any{{"asset_group_id": "g"}})
	err := e.proc.Process(context.Background(), body)
	var me *openaev.MessageError
	if !errors.As(err, &me) || !strings.Contains(out.String(), "asset groups need a platform") {
		t.Errorf("err = %v, out %s", err, out.String())
	}
}

func TestProcessConcurrent(t *testing.T) {
	e := newEnv(t)
	e.nmap.open = map[string][]int{"192.0.2.1": {22}}
	ids := []string{"c1", "c2", "c3", "c4", "c5", "c6"}
	errs := make(chan error, len(ids))
	for i, id := range ids {
		injector := []string{"nmap", "noop"}[i%2]
		body := e.message(t, id, injector, map[string]any{"targets": "192.0.2.1"}, nil, nil)
		go func() { errs <- e.proc.Process(context.Background(), body) }()
	}
	for range ids {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	for _, id := range ids {
		c, err := e.platform.WaitTerminal(ctx, id)
		if err != nil || c.Body["execution_status"] != "SUCCESS" {
			t.Errorf("%s: %v %v", id, err, c.Body)
		}
	}
}

func TestIdentify(t *testing.T) {
	e := newEnv(t)
	tests := []struct {
		name, body, wantID, wantInjector string
	}{
		{"nmap", string(e.message(t, "i1", "nmap", nil, nil, nil)), "i1", "nmap"},
		{"unknown contract", string(e.message(t, "i2", "nuclei", nil, nil, nil)), "i2", ""},
		{"malformed with id", `{"injection":{"inject_id":"i3"},"assets":[{"asset_ips":1}]}`, "i3", ""},
		{"not JSON", `{`, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			id, injector := e.proc.Identify([]byte(tt.body))
			if id != tt.wantID || injector != tt.wantInjector {
				t.Errorf("Identify = %q %q, want %q %q", id, injector, tt.wantID, tt.wantInjector)
			}
		})
	}
	if n := len(e.platform.AllCalls()); n != 0 {
		t.Errorf("Identify sent %d requests", n)
	}
	e.proc.Injector = "noop"
	if _, injector := e.proc.Identify(e.message(t, "i4", "nuclei", nil, nil, nil)); injector != "noop" {
		t.Errorf("override: %q", injector)
	}
}
