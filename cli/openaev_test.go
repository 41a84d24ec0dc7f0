package cli_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/injectkit/injectkit/openaev/openaevtest"
)

const platformToken = "pl4tform-token-xyz"

type printed struct {
	Method string         `json:"method"`
	Path   string         `json:"path"`
	Body   map[string]any `json:"body"`
}

// printedLines decodes the requests a dry run printed, one JSON a line.
func printedLines(t *testing.T, stdout string) []printed {
	t.Helper()
	var out []printed
	for _, l := range strings.Split(strings.TrimSpace(stdout), "\n") {
		if l == "" {
			continue
		}
		var p printed
		if err := json.Unmarshal([]byte(l), &p); err != nil {
			t.Fatalf("line %q: %v", l, err)
		}
		out = append(out, p)
	}
	return out
}

func callKinds(calls []openaevtest.Call) string {
	var parts []string
	for _, c := range calls {
		parts = append(parts, c.Kind)
	}
	return strings.Join(parts, ",")
}

func TestRunProfileOpenAEV(t *testing.T) {
	p := openaevtest.NewPlatform(t, platformToken)
	r := run(t, registry(), nil, "run", "noop", "--profile", "openaev", "--inject-id", "inj-cli",
		"--target", "127.0.0.1", "--backend-url", p.URL, "--token", platformToken, "--expectation", "DETECTION")
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	calls := p.Calls("inj-cli")
	if got := callKinds(calls); got != "reception,trace,complete" {
		t.Fatalf("calls %s", got)
	}
	done := calls[2]
	if !done.Accepted() || done.Body["execution_status"] != "SUCCESS" || done.Header.Get("User-Agent") != "injectkit/1.2.3" {
		t.Errorf("complete %d %v %v", done.Status, done.Body, done.Header.Get("User-Agent"))
	}
	if r.stdout != "" {
		t.Errorf("stdout should be empty when delivering: %q", r.stdout)
	}
	if strings.Contains(r.stderr, platformToken) {
		t.Error("token leaked to stderr")
	}
}

func TestRunProfileOpenAEVPrintsWithoutBackend(t *testing.T) {
	r := run(t, registry(), nil, "run", "noop", "--profile", "openaev", "--target", "127.0.0.1", "--log-level", "error")
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	lines := printedLines(t, r.stdout)
	if len(lines) != 3 {
		t.Fatalf("want 3 printed requests, got %d: %s", len(lines), r.stdout)
	}
	if !strings.HasPrefix(lines[0].Path, "/api/injects/execution/reception/") || lines[0].Body["tracking_total_count"] != float64(1) {
		t.Errorf("first line %+v", lines[0])
	}
	if lines[1].Body["execution_action"] != "command_execution" || lines[2].Body["execution_action"] != "complete" {
		t.Errorf("actions %v %v", lines[1].Body["execution_action"], lines[2].Body["execution_action"])
	}
	if _, ok := lines[2].Body["execution_output_structured"].(string); !ok {
		t.Errorf("structured output is not a string: %v", lines[2].Body)
	}
}

func TestRunOpenAEVMessage(t *testing.T) {
	msg := writeFile(t, "message.json", `{"injection":{"inject_id":"inj-msg","inject_injector_contract":{"injector_contract_id":"whatever"},
		"inject_content":{"target_selector":"assets","target_property_selector":"local_ip","outcome":"partial",
		"expectations":[{"expectation_type":"PREVENTION"}]}},
		"assets":[{"endpoint_id":"a1","endpoint_ips":["127.0.0.1","192.0.2.1"],"endpoint_agents":[{"agent_id":"ag"}]}]}`)

	t.Run("printed without a backend", func(t *testing.T) {
		r := run(t, registry(), nil, "run", "noop", "--openaev-message", msg, "--log-level", "error")
		if r.code != 0 {
			t.Fatalf("exit %d: %s", r.code, r.stderr)
		}
		lines := printedLines(t, r.stdout)
		if len(lines) != 3 || lines[2].Path != "/api/injects/execution/callback/inj-msg" {
			t.Fatalf("printed %s", r.stdout)
		}
		done := lines[2].Body
		if done["execution_status"] != "SUCCESS" || !strings.Contains(done["execution_message"].(string), "partially succeeded") {
			t.Errorf("complete %v", done)
		}
		var doc map[string]any
		_ = json.Unmarshal([]byte(done["execution_output_structured"].(string)), &doc)
		tgt := doc["expectation_signatures"].(map[string]any)["targets"].([]any)[0].(map[string]any)
		group := tgt["signature_values"].([]any)[0].(map[string]any)
		if group["expectation_type"] != "PREVENTION" || tgt["signature_target"].(map[string]any)["asset"] != "a1" {
			t.Errorf("signatures %v", tgt)
		}
		var target string
		for _, v := range group["values"].([]any) {
			if v.(map[string]any)["signature_type"] == "target_ipv4_address" {
				target = v.(map[string]any)["signature_value"].(string)
			}
		}
		if target != "192.0.2.1" {
			t.Errorf("target_ipv4_address = %q (loopback must be skipped by local_ip)", target)
		}
	})
	t.Run("delivered to a backend", func(t *testing.T) {
		p := openaevtest.NewPlatform(t, platformToken)
		r := run(t, registry(), map[string]string{"INJECTKIT_TOKEN": platformToken}, "run", "noop",
			"--openaev-message", msg, "--backend-url", p.URL)
		if r.code != 0 {
			t.Fatalf("exit %d: %s", r.code, r.stderr)
		}
		if got := callKinds(p.Calls("inj-msg")); got != "reception,trace,complete" {
			t.Errorf("calls %s", got)
		}
	})
}

func TestRunOpenAEVErrors(t *testing.T) {
	hostile := writeFile(t, "hostile.json", `{"injection":{"inject_id":"inj-h","inject_content":{"target_selector":"manual","targets":"-oN/tmp/x"}}}`)
	broken := writeFile(t, "broken.json", `{"injection":`)
	tests := []struct {
		name    string
		args    []string
		code    int
		stderr  string
		printed int // requests printed to stdout
	}{
		{"unknown profile", []string{"run", "noop", "--profile", "amqp", "--target", "127.0.0.1"}, 2, `invalid profile "amqp"`, 0},
		{"message without injector", []string{"run", "--openaev-message", hostile}, 2, "known: noop", 0},
		{"message with targets", []string{"run", "noop", "--openaev-message", hostile, "--target", "127.0.0.1"}, 2, "drop --target", 0},
		{"missing message file", []string{"run", "noop", "--openaev-message", "/nonexistent/m.json"}, 2, "openaev message", 0},
		{"malformed message: nothing sent", []string{"run", "noop", "--openaev-message", broken}, 2, "malformed message", 0},
		{"hostile manual target: reception and ERROR", []string{"run", "noop", "--openaev-message", hostile}, 2, `"-oN/tmp/x"`, 2},
		{"hostile flag target: reception and ERROR", []string{"run", "noop", "--profile", "openaev", "--target", "-oN/tmp/x"}, 2, `"-oN/tmp/x"`, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := run(t, registry(), nil, append(tt.args, "--log-level", "error")...)
			if r.code != tt.code {
				t.Fatalf("exit %d, want %d: %s", r.code, tt.code, r.stderr)
			}
			if !strings.Contains(r.stderr, tt.stderr) {
				t.Errorf("stderr %q does not mention %q", r.stderr, tt.stderr)
			}
			lines := printedLines(t, r.stdout)
			if len(lines) != tt.printed {
				t.Fatalf("printed %d requests, want %d: %s", len(lines), tt.printed, r.stdout)
			}
			if tt.printed > 0 && lines[len(lines)-1].Body["execution_status"] != "ERROR" {
				t.Errorf("last printed %v", lines[len(lines)-1].Body)
			}
		})
	}
}

func TestRunOpenAEVMessageByContract(t *testing.T) {
	const injectorID = "5f2a8c4e-8a51-4c1e-9d3b-2c7f0e6a1b99"
	noopContract := uuid.NewSHA1(uuid.MustParse(injectorID), []byte("noop")).String()
	msg := func(contract string) string {
		return writeFile(t, "m.json", `{"injection":{"inject_id":"inj-k","inject_injector_contract":{"injector_contract_id":"`+
			contract+`"},"inject_content":{"target_selector":"manual","targets":"127.0.0.1"}}}`)
	}
	env := map[string]string{"INJECTKIT_INJECTOR_ID": injectorID}

	r := run(t, registry(), env, "run", "--openaev-message", msg(noopContract), "--log-level", "error")
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	lines := printedLines(t, r.stdout)
	if len(lines) != 3 || lines[2].Body["execution_message"] != "noop on 1 target: succeeded" {
		t.Errorf("printed %s", r.stdout)
	}

	r = run(t, registry(), env, "run", "--openaev-message", msg(uuid.NewString()), "--log-level", "error")
	if r.code != 2 || !strings.Contains(r.stderr, "unknown contract") {
		t.Errorf("unknown contract: exit %d stderr %s", r.code, r.stderr)
	}

	r = run(t, registry(), map[string]string{"INJECTKIT_INJECTOR_ID": "nmap-1"}, "run", "--openaev-message", msg(noopContract))
	if r.code != 2 || !strings.Contains(r.stderr, `invalid injector_id "nmap-1"`) {
		t.Errorf("bad injector id: exit %d stderr %s", r.code, r.stderr)
	}
}
