package openaevtest_test

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/injectkit/injectkit/openaev/openaevtest"
)

const nmapContractID = "0b7f3674-ac5d-4b95-b749-6665e74a211f"

func get(t *testing.T, p *openaevtest.Platform, path string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, p.URL+path, nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, b := doRequest(t, req)
	return resp.StatusCode, string(b)
}

// doRequest makes the request and returns the answer, its body read and
// closed.
func doRequest(t *testing.T, req *http.Request) (*http.Response, []byte) {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, b
}

// platformWithNmap returns a platform of the version with the nmap-shaped
// contract (Current) or a 2.4.0-valid one registered and inject "i1"
// received.
func platformWithNmap(t testing.TB, opts ...openaevtest.Option) *openaevtest.Platform {
	t.Helper()
	p := openaevtest.NewPlatform(t, token, opts...)
	contract := nmapContract(nil)
	if p.Version() == openaevtest.Version24 {
		contract = nmapContract(func(c, e map[string]any) {
			c["outputs"] = []any{
				map[string]any{"type": "portscan", "field": "scan_results", "isMultiple": true},
				map[string]any{"type": "port", "field": "ports", "isMultiple": true},
				map[string]any{"type": "text", "field": "action_output"},
			}
		})
	}
	receivedI1(t, p, contract)
	return p
}

// receivedI1 registers the injector with contract on p, and adds inject
// "i1" of the nmap contract, its reception received.
func receivedI1(t testing.TB, p *openaevtest.Platform, contract map[string]any) {
	t.Helper()
	if st, reply := register(t, p, contract); st != 200 {
		t.Fatalf("registration %d %v", st, reply)
	}
	p.AddInject("i1", nmapContractID)
	if st, _ := postJSON(t, p, "/api/injects/execution/reception/i1", map[string]any{"tracking_total_count": 1}); st != 200 {
		t.Fatalf("reception %d", st)
	}
}

func structured(doc map[string]any) string {
	b, _ := json.Marshal(doc)
	return string(b)
}

func callback(action, status string, doc map[string]any) map[string]any {
	b := map[string]any{"execution_message": "m", "execution_status": status, "execution_action": action,
		"execution_duration": 3}
	if doc != nil {
		b["execution_output_structured"] = structured(doc)
	}
	return b
}

func TestCallbackFieldValidation(t *testing.T) {
	ok := callback("complete", "SUCCESS", nil)
	with := func(k string, v any) map[string]any {
		m := map[string]any{}
		for kk, vv := range ok {
			m[kk] = vv
		}
		if v == nil {
			delete(m, k)
		} else {
			m[k] = v
		}
		return m
	}
	tests := []struct {
		name    string
		version openaevtest.Version
		body    map[string]any
		want    int
	}{
		{"valid", openaevtest.Current, ok, 200},
		{"blank message", openaevtest.Current, with("execution_message", " "), 400},
		{"no status", openaevtest.Current, with("execution_status", nil), 400},
		{"unknown action start", openaevtest.Current, with("execution_action", "start"), 400},
		{"data on Current", openaevtest.Current, with("execution_action", "data"), 200},
		{"data on 2.4.0", openaevtest.Version24, with("execution_action", "data"), 400},
		{"file_drop", openaevtest.Version24, with("execution_action", "file_drop"), 200},
		{"structured output an object", openaevtest.Current, with("execution_output_structured", map[string]any{}), 400},
		// Unknown statuses are accepted, then dropped (see TestProcessing).
		{"unknown status", openaevtest.Current, with("execution_status", "DONE"), 200},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := platformWithNmap(t, openaevtest.WithVersion(tt.version))
			if st, _ := postJSON(t, p, "/api/injects/execution/callback/i1", tt.body); st != tt.want {
				t.Fatalf("status %d, want %d", st, tt.want)
			}
		})
	}
}

func TestProcessing(t *testing.T) {
	goodScan := map[string]any{
		"scan_results":           []any{map[string]any{"asset_id": "a1", "host": "10.0.0.5", "port": 22, "service": "ssh"}},
		"ports":                  []any{22},
		"expectation_signatures": signatureBatch("a1", [2]string{"target_ipv4_address", "10.0.0.5"}),
	}
	tests := []struct {
		name     string
		version  openaevtest.Version
		action   string
		status   string
		doc      map[string]any
		outcome  string
		reason   string // a substring of the drop reason
		inject   string // inject status afterwards
		sigCount int    // DETECTION signatures stored
	}{
		{"success on Current", openaevtest.Current, "complete", "SUCCESS", goodScan, openaevtest.Processed, "", "EXECUTED", 1},
		{"EXECUTED on Current", openaevtest.Current, "complete", "EXECUTED", goodScan, openaevtest.Processed, "", "EXECUTED", 1},
		{"lower-case success on Current", openaevtest.Current, "complete", " success", goodScan, openaevtest.Processed, "", "EXECUTED", 1},
		{"EXECUTED on 2.4.0", openaevtest.Version24, "complete", "EXECUTED", nil, openaevtest.Dropped, "EXECUTED", "PENDING", 0},
		{"lower-case success on 2.4.0", openaevtest.Version24, "complete", "success", nil, openaevtest.Dropped, "success", "PENDING", 0},
		{"TIMEOUT on 2.4.0", openaevtest.Version24, "complete", "TIMEOUT", nil, openaevtest.Processed, "", "ERROR", 0},
		{"INVALID_USAGE on Current", openaevtest.Current, "complete", "INVALID_USAGE", nil, openaevtest.Processed, "", "ERROR", 0},
		{"port scan rows without service", openaevtest.Current, "complete", "SUCCESS",
			map[string]any{"scan_results": []any{map[string]any{"asset_id": "a1", "host": "h", "port": 22}}},
			openaevtest.Dropped, "service", "PENDING", 0},
		{"port scan rows without asset_id (a manual target)", openaevtest.Current, "complete", "SUCCESS",
			map[string]any{"scan_results": []any{map[string]any{"host": "h", "port": 22, "service": ""}}},
			openaevtest.Processed, "", "EXECUTED", 0},
		{"bad output on ERROR is not processed on 2.4.0", openaevtest.Version24, "complete", "ERROR",
			map[string]any{"ports": []any{"x"}}, openaevtest.Processed, "", "ERROR", 0},
		{"bad output on ERROR is processed on Current", openaevtest.Current, "complete", "ERROR",
			map[string]any{"ports": []any{"x"}}, openaevtest.Dropped, "port", "PENDING", 0},
		{"undeclared field ignored", openaevtest.Current, "complete", "SUCCESS",
			map[string]any{"whatever": []any{"x"}}, openaevtest.Processed, "", "EXECUTED", 0},
		{"structured output not JSON is skipped", openaevtest.Current, "complete", "SUCCESS", nil, openaevtest.Processed, "", "EXECUTED", 0},
		{"trace", openaevtest.Current, "command_execution", "INFO", nil, openaevtest.Processed, "", "PENDING", 0},
		{"data batch", openaevtest.Current, "data", "EXECUTED", goodScan, openaevtest.Processed, "", "PENDING", 1},
		{"scan on 2.4.0 without signatures", openaevtest.Version24, "complete", "SUCCESS",
			map[string]any{"scan_results": goodScan["scan_results"], "ports": []any{22}, "action_output": "<xml/>"},
			openaevtest.Processed, "", "SUCCESS", 0},
		// The findings index refuses a row over 2704 bytes: 2.4.0 stores
		// a text output whole, as one finding.
		{"nmap XML as a text finding on 2.4.0", openaevtest.Version24, "complete", "SUCCESS",
			map[string]any{"scan_results": goodScan["scan_results"], "action_output": strings.Repeat("<x/>", 87<<8)},
			openaevtest.Dropped, "row limit", "SUCCESS", 0},
		{"text finding of 2705 bytes", openaevtest.Version24, "complete", "SUCCESS",
			map[string]any{"action_output": strings.Repeat("é", 1352) + "x"}, openaevtest.Dropped, "2705 bytes", "SUCCESS", 0},
		// The limit is the whole row's: the inject id, type and field
		// take their part of it.
		{"text finding of 2704 bytes", openaevtest.Version24, "complete", "SUCCESS",
			map[string]any{"action_output": strings.Repeat("x", openaevtest.MaxFindingRow)}, openaevtest.Dropped, "row limit", "SUCCESS", 0},
		{"nmap XML as action_output on Current (no finding)", openaevtest.Current, "complete", "SUCCESS",
			map[string]any{"action_output": strings.Repeat("<x/>", 87<<8)}, openaevtest.Processed, "", "EXECUTED", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := platformWithNmap(t, openaevtest.WithVersion(tt.version))
			body := callback(tt.action, tt.status, tt.doc)
			if tt.name == "structured output not JSON is skipped" {
				body["execution_output_structured"] = "{not json"
			}
			c := postCallback(t, p, "i1", body)
			if c.Outcome != tt.outcome {
				t.Fatalf("outcome %s (%s), want %s", c.Outcome, c.Reason, tt.outcome)
			}
			if tt.reason != "" && !contains(c.Reason, tt.reason) {
				t.Errorf("reason %q, want it to name %q", c.Reason, tt.reason)
			}
			if got := p.InjectStatus("i1"); got != tt.inject {
				t.Errorf("inject status %s, want %s", got, tt.inject)
			}
			if got := len(p.Signatures("i1")["DETECTION"]); got != tt.sigCount {
				t.Errorf("%d DETECTION signatures, want %d", got, tt.sigCount)
			}
			if n := len(p.Signatures("i1")["VULNERABILITY"]); n != 0 {
				t.Errorf("VULNERABILITY signatures stored: %d", n)
			}
			if tt.outcome == openaevtest.Processed && tt.doc != nil && tt.action != "command_execution" &&
				p.InjectStatus("i1") != "ERROR" && tt.doc["scan_results"] != nil {
				rows, _ := p.Findings("i1")["scan_results"].([]any)
				if len(rows) != 1 {
					t.Errorf("findings %v", p.Findings("i1"))
				}
			}
		})
	}
}

func TestLegacyIngestion(t *testing.T) {
	p := openaevtest.NewPlatform(t, token, openaevtest.WithLegacyIngestion())
	if st, _ := register(t, p, nmapContract(nil)); st != 200 {
		t.Fatal(st)
	}
	p.AddInject("i1", nmapContractID)
	ok := callback("complete", "SUCCESS", nil)
	if st, _ := postJSON(t, p, "/api/injects/execution/callback/i1", ok); st != 409 {
		t.Errorf("complete before reception: %d, want 409", st)
	}
	postJSON(t, p, "/api/injects/execution/reception/i1", map[string]any{"tracking_total_count": 1})
	bad := callback("complete", "SUCCESS", map[string]any{"ports": []any{"x"}})
	if st, _ := postJSON(t, p, "/api/injects/execution/callback/i1", bad); st != 400 {
		t.Errorf("failing processing: %d, want 400", st)
	}
	if st, _ := postJSON(t, p, "/api/injects/execution/callback/i1", ok); st != 200 {
		t.Errorf("valid complete: %d", st)
	}
	if st, _ := postJSON(t, p, "/api/injects/execution/callback/i1", ok); st != 409 {
		t.Errorf("second complete: %d, want 409", st)
	}
	if n := len(p.Completions("i1")); n != 1 {
		t.Errorf("%d completions", n)
	}
}

// TestWithVariant: the variant sets the version, and the legacy
// ingestion's 409 for a complete before reception only when asked.
func TestWithVariant(t *testing.T) {
	for _, v := range []openaevtest.Version{openaevtest.Version24, openaevtest.Current} {
		for _, legacy := range []bool{false, true} {
			p := openaevtest.NewPlatform(t, token, openaevtest.WithVariant(v, legacy))
			p.AddInject("i1", "c")
			st, _ := postJSON(t, p, "/api/injects/execution/callback/i1", callback("complete", "SUCCESS", nil))
			if p.Version() != v || (st == 409) != legacy {
				t.Errorf("WithVariant(%v, %v): version %v, complete before reception %d", v, legacy, p.Version(), st)
			}
		}
	}
}

func TestQueuedCompleteWithoutReceptionIsSaved(t *testing.T) {
	p := openaevtest.NewPlatform(t, token)
	p.AddInject("i1", "c")
	if st, _ := postJSON(t, p, "/api/injects/execution/callback/i1", callback("complete", "ERROR", nil)); st != 200 {
		t.Fatal(st)
	}
	if c, _ := p.Terminal("i1"); !c.Processed() || p.InjectStatus("i1") != "ERROR" {
		t.Errorf("outcome %s, inject %s", c.Outcome, p.InjectStatus("i1"))
	}
}

func TestInjectState(t *testing.T) {
	p := platformWithNmap(t)
	st, body := get(t, p, "/api/injects/i1")
	if st != 200 || !contains(body, `"status_name":"PENDING"`) {
		t.Fatalf("GET inject: %d %s", st, body)
	}
	postJSON(t, p, "/api/injects/execution/callback/i1", callback("complete", "SUCCESS", nil))
	if _, body = get(t, p, "/api/injects/i1"); !contains(body, `"status_name":"EXECUTED"`) {
		t.Errorf("after complete: %s", body)
	}
	postJSON(t, p, "/api/injects/execution/reception/i1", map[string]any{"tracking_total_count": 1})
	if p.InjectStatus("i1") != "PENDING" || p.Reopenings("i1") != 1 {
		t.Errorf("after a second reception: %s, %d reopenings", p.InjectStatus("i1"), p.Reopenings("i1"))
	}
	postJSON(t, p, "/api/injects/execution/callback/i1", callback("complete", "SUCCESS", nil))
	if n := len(p.Completions("i1")); n != 2 {
		t.Errorf("%d completions, want 2", n)
	}
	if st, _ := get(t, p, "/api/injects/nope"); st != 404 {
		t.Errorf("unknown inject: %d", st)
	}
	if st, _ := postJSON(t, p, "/api/injects/execution/callback/never", callback("complete", "SUCCESS", nil)); st != 404 {
		t.Errorf("callback of an inject never given: %d", st)
	}
}

func contains(s, sub string) bool { return strings.Contains(s, sub) }

// Outputs of an inject whose contract no registration declared are
// dropped: a real platform judges every output against its contract, so
// the stand-in lets none pass unjudged. A callback without outputs is
// processed.
func TestOutputsOfAnUnregisteredContract(t *testing.T) {
	p := openaevtest.NewPlatform(t, "tok")
	p.AddInject("i-unreg", "c-never-registered")
	post := func(body string) int {
		t.Helper()
		req, _ := http.NewRequest(http.MethodPost, p.URL+"/api/injects/execution/callback/i-unreg", strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer tok")
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	post(`{"execution_message":"done","execution_status":"SUCCESS","execution_action":"complete",` +
		`"execution_output_structured":"{\"scan_results\":[{\"asset_id\":\"a1\",\"port\":\"x\"}]}"}`)
	done, ok := p.Terminal("i-unreg")
	if !ok || done.Processed() || !strings.Contains(done.Reason, "no registration declared") {
		t.Errorf("terminal present %v, processed %v, reason %q", ok, ok && done.Processed(), done.Reason)
	}
}

// TestDenyInject: a token without the rights on an inject is answered
// 403 from 2.0.0 on (@RBAC, then @AccessControl), and 404 on the reception
// and callbacks before (1.x: @Secured, AccessDeniedException → 404), where
// GET checks no right; an unknown inject is 404 on every version.
func TestDenyInject(t *testing.T) {
	tests := []struct {
		version                  string
		reception, callback, get int
	}{
		{openaevtest.Current.String(), 403, 403, 403},
		{openaevtest.Version24.String(), 403, 403, 403},
		{"2.0.0", 403, 403, 403},
		{"1.18.19", 404, 404, 200},
	}
	for _, tt := range tests {
		t.Run(tt.version, func(t *testing.T) {
			p := openaevtest.NewPlatform(t, token, openaevtest.WithVersionString(tt.version))
			p.AddInject("i1", "c")
			p.DenyInject("i1")
			if st, _ := postJSON(t, p, "/api/injects/execution/reception/i1", map[string]any{"tracking_total_count": 1}); st != tt.reception {
				t.Errorf("denied reception: %d, want %d", st, tt.reception)
			}
			if st, _ := postJSON(t, p, "/api/injects/execution/callback/i1", callback("complete", "SUCCESS", nil)); st != tt.callback {
				t.Errorf("denied callback: %d, want %d", st, tt.callback)
			}
			if st, _ := get(t, p, "/api/injects/i1"); st != tt.get {
				t.Errorf("denied GET: %d, want %d", st, tt.get)
			}
			if st, _ := postJSON(t, p, "/api/injects/execution/reception/gone", map[string]any{"tracking_total_count": 1}); st != 404 {
				t.Errorf("reception of an unknown inject: %d, want 404", st)
			}
		})
	}
}
