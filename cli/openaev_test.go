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
	"github.com/injectkit/injectkit/internal/testkit"
	"github.com/injectkit/injectkit/openaev"
	"github.com/injectkit/injectkit/openaev/openaevtest"
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

func TestRunOpenAEVErrors(t *testing.T) {
	hostile := writeFile(t, "hostile.json", `{"injection":{"inject_id":"inj-h","inject_content":{"target_selector":"manual","targets":"-oN/tmp/x"}}}`)
	broken := writeFile(t, "broken.json", `{"injection":`)
	// Not JSON, but naming its inject: bad input all the same, the
	// platform told nothing (serve tells it: no one else would hear).
	trailing := writeFile(t, "trailing.json", `{"injection":{"inject_id":"inj-t"}} garbage`)
	truncated := writeFile(t, "truncated.json", `{"injection":{"inject_id":"inj-t",`)
	tests := []struct {
		name    string
		args    []string
		code    int
		stderr  string
		printed int // requests printed to stdout
	}{
		{"unknown profile", []string{"run", "noop", "--profile", "amqp", "--target", "127.0.0.1"}, 2, `invalid profile "amqp"`, 0},
		{"message without injector or contract: reception and INVALID_USAGE", []string{"run", "--openaev-message", hostile}, 2,
			"injector_contract_id: required", 2},
		{"message with targets", []string{"run", "noop", "--openaev-message", hostile, "--target", "127.0.0.1"}, 2, "drop --target", 0},
		{"missing message file", []string{"run", "noop", "--openaev-message", "/nonexistent/m.json"}, 2, "invalid openaev_message \"/nonexistent/m.json\"", 0},
		{"malformed message: nothing sent", []string{"run", "noop", "--openaev-message", broken}, 2, "malformed message", 0},
		{"trailing bytes after a message naming its inject: nothing sent", []string{"run", "noop", "--openaev-message", trailing}, 2,
			"trailing.json:1:37: invalid message for inject inj-t: malformed message: not valid JSON: invalid character 'g' after top-level value\n", 0},
		{"message naming its inject cut short: nothing sent", []string{"run", "noop", "--openaev-message", truncated}, 2,
			"truncated.json:1:35: invalid message for inject inj-t: malformed message: not valid JSON: unexpected end of JSON input\n", 0},
		{"hostile manual target: reception and INVALID_USAGE", []string{"run", "noop", "--openaev-message", hostile}, 2, `"-oN/tmp/x"`, 2},
		{"hostile flag target: reception and INVALID_USAGE", []string{"run", "noop", "--profile", "openaev", "--target", "-oN/tmp/x"}, 2, `"-oN/tmp/x"`, 2},
		{"openaev max payload size under 1 KiB", []string{"run", "noop", "--profile", "openaev", "--target", "127.0.0.1", "--max-payload-size", "512"},
			2, `invalid max_payload_size "512" (--max-payload-size): must be between 1024 (1 KiB) and 67108864 (64 MiB)`, 0},
		{"openaev max payload size over 64 MiB", []string{"run", "noop", "--openaev-message", hostile, "--max-payload-size", "67108865"},
			2, `invalid max_payload_size "67108865"`, 0},
		{"max payload size not a number", []string{"run", "noop", "--profile", "openaev", "--target", "127.0.0.1", "--max-payload-size", "abc"},
			2, `invalid max_payload_size "abc"`, 0},
		{"negative max payload size", []string{"run", "noop", "--profile", "openaev", "--target", "127.0.0.1", "--max-payload-size=-5"},
			2, `invalid max_payload_size "-5"`, 0},
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
			if tt.printed > 0 && lines[len(lines)-1].Body["execution_status"] != "INVALID_USAGE" {
				t.Errorf("last printed %v", lines[len(lines)-1].Body)
			}
		})
	}
}

// A message whose inject id cannot be read is refused before the platform
// is asked anything, its version included, and nothing is stored.
func TestRunOpenAEVMessageMalformedContactsNothing(t *testing.T) {
	broken := writeFile(t, "broken.json", `{"injection":{"inject_id":`)
	backend := testkit.NewBackend(t)
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

// An inject the platform does not know (or, before OpenAEV 2.0.0, the
// token may not see: the platform answered both 404) is refused at the reception: exit 2, with a
// hint saying which two things to check; nothing runs.
func TestRunOpenAEVUnknownInject(t *testing.T) {
	p := openaevtest.NewPlatform(t, platformToken)
	r := run(t, registry(), nil, "run", "noop", "--profile", "openaev", "--inject-id", "never-given", "--target", "127.0.0.1",
		"--backend-url", p.URL, "--token", platformToken, "--outbox", "none", "--log-level", "error")
	// The inject is the platform's to refuse: the message is not invalid.
	if r.code != cli.ExitUsage || !strings.Contains(r.stderr, "injectkit: inject never-given: the platform refused the reception: reception rejected: status 404") ||
		strings.Contains(r.stderr, "invalid message") ||
		!strings.Contains(r.stderr, "hint: the platform answers 404 for an inject it does not know (or deleted; before OpenAEV 2.0.0, also for one the token has no rights on)") {
		t.Errorf("exit %d, stderr:\n%s", r.code, r.stderr)
	}
	if _, sent := p.Terminal("never-given"); sent {
		t.Error("a terminal callback was sent")
	}
}

// An inject the platform holds without a status (a scenario's inject not
// dispatched yet, or a simulation reset since) is refused at the
// reception with a 404 too (2.4.0, InjectApi.java:374), while its GET
// answers inject_status null: the error and the hint say so, not that
// the platform does not know the inject; nothing runs.
func TestRunOpenAEVStatuslessInject(t *testing.T) {
	p := openaevtest.NewPlatform(t, platformToken, openaevtest.WithVersion(openaevtest.Version24))
	p.AddInject("i-reset", openaev.ContractID("noop"))
	p.ResetInject("i-reset")
	r := run(t, registry(), nil, "run", "noop", "--profile", "openaev", "--inject-id", "i-reset", "--target", "127.0.0.1",
		"--backend-url", p.URL, "--token", platformToken, "--outbox", "none", "--log-level", "error")
	if r.code != cli.ExitUsage || !strings.Contains(r.stderr, ": the inject exists on the platform without a status (GET /api/injects/{id} answers it with inject_status null)") ||
		!strings.Contains(r.stderr, "hint: the inject exists on the platform but has no status") ||
		strings.Contains(r.stderr, "an inject it does not know") {
		t.Errorf("exit %d, stderr:\n%s", r.code, r.stderr)
	}
	if _, sent := p.Terminal("i-reset"); sent {
		t.Error("a terminal callback was sent")
	}
}

// A --max-payload-size over what the platform's broker takes by default
// is accepted, with one WARN saying the broker drops larger callbacks
// unless its max_message_size is raised.
func TestRunOpenAEVMaxPayloadSizeOverTheBroker(t *testing.T) {
	tests := []struct {
		size string
		warn int
	}{
		{"16776704", 0},
		{"16776705", 1},
		{"67108864", 1},
	}
	for _, tt := range tests {
		t.Run(tt.size, func(t *testing.T) {
			p := noopPlatform(t, "inj-big")
			r := run(t, registry(), nil, "run", "noop", "--profile", "openaev", "--inject-id", "inj-big",
				"--target", "127.0.0.1", "--backend-url", p.URL, "--token", platformToken, "--max-payload-size", tt.size)
			if r.code != 0 {
				t.Fatalf("exit %d: %s", r.code, r.stderr)
			}
			if n := strings.Count(r.stderr, "drops a callback larger than its max_message_size"); n != tt.warn {
				t.Errorf("%d WARN lines on the broker's max_message_size, want %d: %s", n, tt.warn, r.stderr)
			}
			if done, ok := p.Terminal("inj-big"); !ok || !done.Processed() {
				t.Errorf("terminal callback %v", done)
			}
		})
	}
}
