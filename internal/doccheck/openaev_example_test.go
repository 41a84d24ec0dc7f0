package doccheck

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"

	"github.com/injectkit/injectkit/cli"
	"github.com/injectkit/injectkit/framework"
	"github.com/injectkit/injectkit/injectors/builtin"
)

// exampleInject is the inject docs/wire-format.md says its openaev
// complete example is the dry run of; the page quotes it as written here.
const exampleInject = `{"inject_id": "inj-1", "injector": "noop", "targets": [{"target_hostname":
"web01.example.com", "asset": "asset-1"}]}`

// TestOpenAEVCompleteExample runs the inject docs/wire-format.md's openaev
// profile section names (a dry run, CONTAINER_IP=192.0.2.2) and compares the
// complete it prints with the page's example, but for what differs from a
// run to the next (the run mark's digits, start_date and end_date) or from
// a host to the next (source_ipv6_address, the host-wide address, which a
// host without a global IPv6 address has none of).
func TestOpenAEVCompleteExample(t *testing.T) {
	root := repoRoot(t)
	doc := string(readRepoFile(t, root, "docs", "wire-format.md"))
	if !strings.Contains(doc, exampleInject) {
		t.Fatalf("docs/wire-format.md does not quote the example's inject:\n%s", exampleInject)
	}
	_, after, ok := strings.Cut(doc, "POST {url}/api/injects/execution/callback/{inject_id}")
	if !ok {
		t.Fatal("docs/wire-format.md has no openaev complete example (POST {url}/api/injects/execution/callback/{inject_id})")
	}
	_, block, ok := strings.Cut(after, "```json\n")
	block, _, closed := strings.Cut(block, "```")
	if !ok || !closed {
		t.Fatal("docs/wire-format.md: no json block after the openaev callback's route")
	}

	file := filepath.Join(t.TempDir(), "n.json")
	if err := os.WriteFile(file, []byte(exampleInject), 0o600); err != nil {
		t.Fatal(err)
	}
	reg := framework.NewRegistry()
	builtin.Register(reg)
	var stdout, stderr bytes.Buffer
	env := map[string]string{"CONTAINER_IP": "192.0.2.2", "HOME": t.TempDir()}
	code := cli.Run(context.Background(), cli.Options{Registry: reg, Stdout: &stdout, Stderr: &stderr, Getenv: func(k string) string { return env[k] }},
		[]string{"injectkit", "run", "--inject-file", file, "--profile", "openaev", "-o", "json", "--log-level", "error"})
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	lines := strings.Split(strings.TrimSpace(stdout.String()), "\n")
	var call struct {
		Path string          `json:"path"`
		Body json.RawMessage `json:"body"`
	}
	if err := json.Unmarshal([]byte(lines[len(lines)-1]), &call); err != nil || call.Path != "/api/injects/execution/callback/inj-1" {
		t.Fatalf("last call %q (%v), want the complete", lines[len(lines)-1], err)
	}
	got, want := comparableComplete(t, call.Body), comparableComplete(t, []byte(block))
	if !reflect.DeepEqual(got, want) {
		g, _ := json.Marshal(got)
		w, _ := json.Marshal(want)
		t.Errorf("docs/wire-format.md's openaev complete example is not what the run prints\n got: %s\nwant: %s", g, w)
	}
}

var runMark = regexp.MustCompile(`\[run [0-9a-f]{8}\]$`)

// comparableComplete decodes a complete body, its structured output
// included, with the run mark's digits, the times, the duration and
// source_ipv6_address taken out.
func comparableComplete(t *testing.T, raw []byte) map[string]any {
	t.Helper()
	var body map[string]any
	if err := json.Unmarshal(raw, &body); err != nil {
		t.Fatalf("complete %s: %v", raw, err)
	}
	// The run's duration, in milliseconds: a whole number the run sets.
	if d, ok := body["execution_duration"].(float64); ok && d >= 0 && d == float64(int64(d)) {
		body["execution_duration"] = "D"
	} else {
		t.Errorf("execution_duration %v, want a whole number of milliseconds", body["execution_duration"])
	}
	if msg, _ := body["execution_message"].(string); runMark.MatchString(msg) {
		body["execution_message"] = runMark.ReplaceAllString(msg, "[run X]")
	} else {
		t.Errorf("message %q does not end with a run mark", msg)
	}
	structured, _ := body["execution_output_structured"].(string)
	var out map[string]any
	if err := json.Unmarshal([]byte(structured), &out); err != nil {
		t.Fatalf("execution_output_structured %q: %v", structured, err)
	}
	sigs, _ := out["expectation_signatures"].(map[string]any)
	targets, _ := sigs["targets"].([]any)
	for _, tg := range targets {
		groups, _ := tg.(map[string]any)["signature_values"].([]any)
		for _, g := range groups {
			group := g.(map[string]any)
			var kept []any
			for _, v := range group["values"].([]any) {
				value := v.(map[string]any)
				switch value["signature_type"] {
				case "source_ipv6_address":
					continue
				case "start_date", "end_date":
					value["signature_value"] = "T"
				}
				kept = append(kept, value)
			}
			group["values"] = kept
		}
	}
	body["execution_output_structured"] = out
	return body
}
