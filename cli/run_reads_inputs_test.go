package cli_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/injectkit/injectkit/framework"
	"github.com/injectkit/injectkit/framework/frameworktest"
)

func TestRunMalformedInjectFiles(t *testing.T) {
	be := newBackend(t, http.StatusOK)
	tests := []struct{ name, content, want string }{
		{"bad json", `{"inject_id": "x",`, "invalid JSON"},
		{"unknown field", `{"inject_id":"x","injector":"noop","targets":[{"value":"127.0.0.1"}],"colour":"red"}`, "colour"},
		{"unknown target field", `{"inject_id":"x","injector":"noop","targets":[{"value":"127.0.0.1","port":22}]}`, "port"},
		{"mixed categories", `{"inject_id":"x","injector":"noop","targets":[{"value":"127.0.0.1"},{"query":"apache"}]}`, "targets[1]"},
		{"invalid target", `{"inject_id":"x","injector":"noop","targets":[{"value":"a b"}]}`, `"a b"`},
		{"unknown expectation type", `{"inject_id":"x","injector":"noop","expectation_types":["DETECTIONS"],"targets":[{"value":"127.0.0.1"}]}`, "DETECTIONS"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := writeFile(t, "inject.json", tt.content)
			r := run(t, registry(), nil, "run", "--inject-file", f, "--backend-url", be.URL)
			if r.code != 2 {
				t.Fatalf("exit %d, want 2; stderr %s", r.code, r.stderr)
			}
			if !strings.Contains(r.stderr, tt.want) {
				t.Errorf("stderr %q does not mention %q", r.stderr, tt.want)
			}
		})
	}
	if n := len(be.got()); n != 0 {
		t.Errorf("malformed injects sent %d requests", n)
	}
}

func TestRunInjectFileAndFlagOverride(t *testing.T) {
	f := writeFile(t, "inject.json", `{"inject_id":"from-file","injector":"noop","expectation_types":["PREVENTION"],
		"targets":[{"value":"10.0.0.1","asset":"asset-1"}],"params":{"outcome":"partial"},"phase":"file_phase"}`)
	r := run(t, registry(), nil, "run", "--inject-file", f, "--phase", "flag_phase", "--phase-any", "--log-level", "error")
	body := printedBody(t, r, 0)
	if body["phase"] != "flag_phase" {
		t.Errorf("flag did not override the file's phase: %v", body["phase"])
	}
	tgt := body["expectation_signature"].(map[string]any)["targets"].([]any)[0].(map[string]any)
	if tgt["signature_target"].(map[string]any)["asset"] != "asset-1" {
		t.Errorf("signature_target = %v", tgt["signature_target"])
	}
	group := tgt["signature_values"].([]any)[0].(map[string]any)
	if group["expectation_type"] != "PREVENTION" {
		t.Errorf("expectation_type = %v", group["expectation_type"])
	}
	if v := bodyValues(t, body, 0); v["execution_status"] != "partial" {
		t.Errorf("execution_status = %v", v["execution_status"])
	}
}

func TestTargetsFile(t *testing.T) {
	f := writeFile(t, "targets.txt", "# lab hosts\n127.0.0.1\n\n  ::1  \nweb.example.com\n")
	r := run(t, registry(), nil, "run", "noop", "--targets-file", f, "--log-level", "error")
	body := printedBody(t, r, 0)
	if n := len(body["expectation_signature"].(map[string]any)["targets"].([]any)); n != 3 {
		t.Errorf("want 3 targets, got %d", n)
	}
	if v := bodyValues(t, body, 1); v["target_ipv6"] != "::1" {
		t.Errorf("second target = %v", v)
	}
}

// TestQueryKeepsCommas: an exposure query may hold commas (Shodan's
// port:80,443); every layer gives it as one target, the environment too.
func TestQueryKeepsCommas(t *testing.T) {
	cfg := writeFile(t, "c.yaml", "query: \"port:80,443\"\n")
	for name, tc := range map[string]struct {
		env  map[string]string
		args []string
	}{
		"flag":        {nil, []string{"--query", "port:80,443"}},
		"env":         {map[string]string{"INJECTKIT_QUERY": "port:80,443"}, nil},
		"config file": {nil, []string{"--config", cfg}},
	} {
		t.Run(name, func(t *testing.T) {
			r := run(t, registry(), tc.env, append([]string{"run", "noop", "--log-level", "error"}, tc.args...)...)
			body := printedBody(t, r, 0)
			if n := len(body["expectation_signature"].(map[string]any)["targets"].([]any)); n != 1 {
				t.Errorf("%d targets, want 1: %s", n, r.stdout)
			}
			if v := bodyValues(t, body, 0); v["query"] != "port:80,443" {
				t.Errorf("query = %v, want port:80,443", v["query"])
			}
		})
	}
}

func TestParamValuesKeepCommas(t *testing.T) {
	reg := registry(func(r *framework.Registry) {
		r.Register("echo", func() framework.Executor {
			return &frameworktest.Executor{Run: func(_ context.Context, cfg *framework.Inject) framework.ToolOutput {
				return framework.ToolOutput{ExtraSignatures: map[string]any{"ports_param": cfg.Params.(map[string]any)["ports"]}}
			}}
		})
	})
	for name, tc := range map[string]struct {
		env  map[string]string
		args []string
	}{
		"flag": {nil, []string{"--param", "ports=22,80,8000-8100", "--param", "x=1"}},
		"env":  {map[string]string{"INJECTKIT_PARAM": "ports=22,80,8000-8100,x=1"}, nil},
	} {
		t.Run(name, func(t *testing.T) {
			r := run(t, reg, tc.env, append([]string{"run", "echo", "--target", "127.0.0.1", "--target", "::1", "--log-level", "error"}, tc.args...)...)
			body := printedBody(t, r, 0)
			if v := bodyValues(t, body, 0); v["ports_param"] != "22,80,8000-8100" {
				t.Errorf("ports param = %v", v["ports_param"])
			}
		})
	}
}
