package cli_test

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/uuid"
	"go.uber.org/zap"

	"github.com/injectkit/injectkit/cli"
	"github.com/injectkit/injectkit/framework"
	"github.com/injectkit/injectkit/openaev"
	"github.com/injectkit/injectkit/openaev/openaevtest"
	"github.com/injectkit/injectkit/transport/transporttest"
)

const platformToken = "pl4tform-token-xyz"

// registered registers the contracts of reg's injectors on p, as serve
// does before the platform dispatches any of their injects (a real
// platform holds no inject without its contract): the stand-in then
// validates their outputs. It reads no version (p's is given), so that
// the platform's calls stay the run's. opts are its client's (an HTTP client trusting
// a platform served over TLS).
func registered(t *testing.T, p *openaevtest.Platform, token string, reg *framework.Registry, opts ...openaev.Option) {
	t.Helper()
	v, err := openaev.ParseVersion(p.Version().String())
	if err != nil {
		t.Fatal(err)
	}
	c, err := openaev.NewClient(openaev.Config{URL: p.URL, Token: token, InjectorID: uuid.NewString()},
		append([]openaev.Option{openaev.WithPlatformVersion(v), openaev.WithLogger(zap.NewNop())}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	var ms []framework.Manifest
	for _, name := range reg.Names() {
		ex, err := reg.New(name)
		if err != nil {
			t.Fatal(err)
		}
		if mf, ok := ex.(framework.Manifester); ok {
			m := mf.Manifest()
			m.Name = name // as the CLI registers it: under its registry name
			ms = append(ms, m)
		}
	}
	if _, err := c.Register(context.Background(), ms, false); err != nil {
		t.Fatal(err)
	}
}

// noopPlatform starts a stand-in platform (with opts) with the stock
// registry's contracts registered on it and injectID a noop inject it holds.
func noopPlatform(t *testing.T, injectID string, opts ...openaevtest.Option) *openaevtest.Platform {
	t.Helper()
	p := openaevtest.NewPlatform(t, platformToken, opts...)
	registered(t, p, platformToken, registry())
	p.AddInject(injectID, openaev.ContractID("noop"))
	return p
}

// noneDropped fails t for each callback p dropped, naming its kind and
// why.
func noneDropped(t *testing.T, p *openaevtest.Platform) {
	t.Helper()
	for _, c := range p.Dropped() {
		t.Errorf("the platform dropped a %s: %s", c.Kind, c.Reason)
	}
}

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

// callBodies is the JSON of every call's body, one after another: what
// the platform was sent, for a test looking for a value in it.
func callBodies(calls []openaevtest.Call) string {
	var all strings.Builder
	for _, c := range calls {
		b, _ := json.Marshal(c.Body)
		all.Write(b)
	}
	return all.String()
}

func TestRunProfileOpenAEV(t *testing.T) {
	p := noopPlatform(t, "inj-cli")
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
	if !done.Processed() || done.Body["execution_status"] != "SUCCESS" || done.Header.Get("User-Agent") != "injectkit/1.2.3" {
		t.Errorf("complete %d %s %s %v %v", done.Status, done.Outcome, done.Reason, done.Body, done.Header.Get("User-Agent"))
	}
	if r.stdout != "" {
		t.Errorf("stdout should be empty when delivering: %q", r.stdout)
	}
	if strings.Contains(r.stderr, platformToken) {
		t.Error("token leaked to stderr")
	}
}

// An input error quoting a secret (an environment file given as the
// targets file, the token pasted as a param) never shows it: not on
// stderr, not in the log, not in the INVALID_USAGE message the platform
// keeps and shows its users.
func TestRunInputErrorsNeverQuoteTheToken(t *testing.T) {
	const shodanKey = "Sh0danKeyZZ77qqWW"
	reg := registry(withQuery)
	p := openaevtest.NewPlatform(t, platformToken)
	registered(t, p, platformToken, reg)
	envFile := writeFile(t, "env.file", "INJECTKIT_TOKEN="+platformToken+"\n")
	keyEnv := map[string]string{"INJECTKIT_SHODAN_API_KEY": shodanKey, "INJECTKIT_SHODAN_BASE_URL": "http://127.0.0.1:9"}
	tests := []struct {
		name   string
		args   []string
		env    map[string]string
		secret string // platformToken when empty
	}{
		{name: "targets file", args: []string{"run", "noop", "--targets-file", envFile}},
		{name: "param", args: []string{"run", "noop", "--target", "127.0.0.1", "--param", "outcome=" + platformToken}},
		{name: "validate", args: []string{"validate", "noop", "--targets-file", envFile}},
		{name: "openaev targets file", args: []string{"run", "noop", "--profile", "openaev", "--targets-file", envFile}},
		{name: "openaev, a secret setting", args: []string{"run", "query", "--profile", "openaev", "--query", "x", "--param", "provider=" + shodanKey},
			env: keyEnv, secret: shodanKey},
		{name: "a flag holding the token", args: []string{"run", "noop", "--target", "127.0.0.1", "--profile", platformToken}},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			id := fmt.Sprintf("inj-secret-%d", i)
			p.AddInject(id, openaev.ContractID(tt.args[1]))
			secret := cmp.Or(tt.secret, platformToken)
			r := run(t, reg, tt.env, append(tt.args, "--inject-id", id, "--backend-url", p.URL, "--token", platformToken)...)
			if r.code != cli.ExitUsage || !strings.Contains(r.stderr, "REDACTED") && !strings.Contains(r.stderr, "(not shown)") &&
				!strings.Contains(r.stderr, "(value withheld)") {
				t.Fatalf("exit %d, want %d and the secret redacted, not shown or withheld: %s", r.code, cli.ExitUsage, r.stderr)
			}
			if strings.Contains(r.stderr, secret) || strings.Contains(r.stdout, secret) {
				t.Errorf("secret shown:\n%s%s", r.stdout, r.stderr)
			}
			for _, c := range p.Calls(id) {
				if msg, _ := c.Body["execution_message"].(string); strings.Contains(msg, secret) {
					t.Errorf("secret sent to the platform in %s: %q", c.Kind, msg)
				}
			}
		})
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
	msg := writeFile(t, "message.json", `{"injection":{"inject_id":"inj-msg","inject_injector_contract":{"injector_contract_id":"c5df9442-3be3-5c6d-8cf5-31a58dabebfb"},
		"inject_content":{"target_selector":"assets","target_property_selector":"local_ip","outcome":"partial",
		"expectations":[{"expectation_type":"PREVENTION"}]}},
		"assets":[{"endpoint_id":"a1","endpoint_ips":["127.0.0.1","192.0.2.1"],"endpoint_agents":[{"agent_id":"ag"}]}]}`)

	t.Run("printed without a backend", func(t *testing.T) {
		r := run(t, registry(), nil, "run", "noop", "--openaev-message", msg, "--log-level", "error")
		if r.code != 0 {
			t.Fatalf("exit %d: %s", r.code, r.stderr)
		}
		// Reception, the run's trace, one trace per target with an asset
		// (the current line, assumed by a dry run), the terminal callback.
		lines := printedLines(t, r.stdout)
		if len(lines) != 4 || lines[3].Path != "/api/injects/execution/callback/inj-msg" {
			t.Fatalf("printed %s", r.stdout)
		}
		if _, ok := lines[1].Body["execution_context_identifiers"]; ok {
			t.Errorf("the run's trace names a target: %v", lines[1].Body)
		}
		checkTargetTrace(t, lines[2].Body, "a1", "noop on 192.0.2.1: no outcome of its own reported (the run partially succeeded)")
		done := lines[3].Body
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
		// The target is 192.0.2.1, loopback skipped by local_ip (the trace
		// above names it); noop sends nothing there, so its signatures
		// carry no target address.
		for _, v := range group["values"].([]any) {
			if typ := v.(map[string]any)["signature_type"]; typ == "target_ipv4_address" {
				t.Errorf("noop's signatures carry %s: %v", typ, group)
			}
		}
	})
	t.Run("delivered to a backend", func(t *testing.T) {
		p := noopPlatform(t, "inj-msg")
		r := run(t, registry(), map[string]string{"INJECTKIT_TOKEN": platformToken}, "run", "noop",
			"--openaev-message", msg, "--backend-url", p.URL)
		if r.code != 0 {
			t.Fatalf("exit %d: %s", r.code, r.stderr)
		}
		calls := p.Calls("inj-msg")
		if got := callKinds(calls); got != "reception,trace,trace,complete" {
			t.Fatalf("calls %s", got)
		}
		if !calls[2].Processed() {
			t.Errorf("per-target trace %s: %s", calls[2].Outcome, calls[2].Reason)
		}
		checkTargetTrace(t, calls[2].Body, "a1", "noop on 192.0.2.1: no outcome of its own reported (the run partially succeeded)")
	})
	t.Run("2.4.0: no per-target trace", func(t *testing.T) {
		r := run(t, registry(), nil, "run", "noop", "--openaev-message", msg, "--openaev-version", "2.4.0", "--log-level", "error")
		if r.code != 0 {
			t.Fatalf("exit %d: %s", r.code, r.stderr)
		}
		lines := printedLines(t, r.stdout)
		if len(lines) != 3 || lines[2].Body["execution_action"] != "complete" {
			t.Fatalf("printed %s", r.stdout)
		}
		for _, l := range lines {
			if _, ok := l.Body["execution_context_identifiers"]; ok {
				t.Errorf("2.4.0 got execution_context_identifiers: %v", l.Body)
			}
		}
	})
}

// checkTargetTrace checks a per-target trace: INFO, command_execution,
// about asset alone, its message message.
func checkTargetTrace(t *testing.T, body map[string]any, asset, message string) {
	t.Helper()
	ids, _ := body["execution_context_identifiers"].([]any)
	if len(ids) != 1 || ids[0] != asset || body["execution_status"] != "INFO" ||
		body["execution_action"] != "command_execution" || body["execution_message"] != message {
		t.Errorf("per-target trace %v, want INFO command_execution about [%s]: %q", body, asset, message)
	}
}

// A message whose inject id cannot be read is refused before the platform
// is asked anything, its version included, and nothing is stored.
func TestRunOpenAEVMessageMalformedContactsNothing(t *testing.T) {
	broken := writeFile(t, "broken.json", `{"injection":{"inject_id":`)
	backend := transporttest.NewBackend(t)
	ob := filepath.Join(t.TempDir(), "outbox.db")
	r := run(t, registry(), nil, "run", "noop", "--openaev-message", broken, "--backend-url", backend.URL,
		"--token", "tok", "--outbox", ob)
	if r.code != cli.ExitUsage || !strings.Contains(r.stderr, "malformed message") || !strings.Contains(r.stderr, broken) {
		t.Errorf("exit %d, stderr %q: want 2 naming the file and the malformed message", r.code, r.stderr)
	}
	if n := backend.Len(); n != 0 {
		t.Errorf("%d requests reached the platform: %+v", n, backend.Requests())
	}
	noOutboxFile(t, ob)
}

// TestRunOpenAEVMessageByContract runs a message without naming its
// injector: its contract id, fixed per injector name, picks it, whatever
// the injector id.
func TestRunOpenAEVMessageByContract(t *testing.T) {
	msg := func(contract string) string {
		return writeFile(t, "m.json", `{"injection":{"inject_id":"inj-k","inject_injector_contract":{"injector_contract_id":"`+
			contract+`"},"inject_content":{"target_selector":"manual","targets":"127.0.0.1"}}}`)
	}
	tests := []struct {
		name     string
		env      map[string]string
		contract string
		code     int
		want     string // in the last printed message, or in stderr
	}{
		{"noop's contract", nil, "c5df9442-3be3-5c6d-8cf5-31a58dabebfb", 0, "noop on 1 target: succeeded"},
		{"the injector id plays no part", map[string]string{"INJECTKIT_INJECTOR_ID": "0b6c0b9c-1d0e-4c8e-9a43-5e0f9c3f2a10"},
			openaev.ContractID("noop"), 0, "noop on 1 target: succeeded"},
		{"unknown contract", nil, uuid.NewString(), 2, "unknown contract"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := run(t, registry(), tt.env, "run", "--openaev-message", msg(tt.contract), "--log-level", "error")
			if r.code != tt.code {
				t.Fatalf("exit %d: %s", r.code, r.stderr)
			}
			lines := printedLines(t, r.stdout)
			if len(lines) != 3 && len(lines) != 2 {
				t.Fatalf("printed %s", r.stdout)
			}
			last := lines[len(lines)-1].Body["execution_message"].(string)
			if !strings.Contains(last, tt.want) {
				t.Errorf("terminal message %q, want %q", last, tt.want)
			}
		})
	}
}
