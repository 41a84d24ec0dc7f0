package cli_test

import (
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/injectkit/injectkit/cli"
	"github.com/injectkit/injectkit/openaev"
	"github.com/injectkit/injectkit/openaev/openaevtest"
)

const predates = "predates signature processing"

// terminalDoc decodes the structured output of the last printed request.
func terminalDoc(t *testing.T, stdout string) map[string]any {
	t.Helper()
	lines := printedLines(t, stdout)
	if len(lines) == 0 {
		t.Fatal("nothing printed")
	}
	last := lines[len(lines)-1].Body
	if last["execution_action"] != "complete" {
		t.Fatalf("last printed request %v", last)
	}
	var doc map[string]any
	if err := json.Unmarshal([]byte(last["execution_output_structured"].(string)), &doc); err != nil {
		t.Fatal(err)
	}
	return doc
}

// TestRunOpenAEVVersionSetting sets the platform version by flag,
// environment or config file, on dry runs.
func TestRunOpenAEVVersionSetting(t *testing.T) {
	base := []string{"run", "noop", "--profile", "openaev", "--target", "127.0.0.1", "--log-level", "warn"}
	tests := []struct {
		name       string
		args       []string
		env        map[string]string
		code       int
		signatures bool   // expectation_signatures sent
		stderr     string // "" for nothing on stderr
	}{
		{name: "dry run: current line", args: base, signatures: true},
		{name: "flag", args: append(slices.Clone(base), "--openaev-version", "2.4.0"), stderr: predates},
		{name: "environment", args: base, env: map[string]string{"INJECTKIT_OPENAEV_VERSION": "2.4.1"}, stderr: predates},
		{name: "config file", args: append(slices.Clone(base), "--config", writeFile(t, "c.yaml", "openaev_version: 2.260601.0\n")),
			stderr: predates},
		{name: "current line given", args: append(slices.Clone(base), "--openaev-version", "3.260821.0"), signatures: true},
		{name: "unparseable", args: append(slices.Clone(base), "--openaev-version", "two.four"), code: cli.ExitUsage,
			stderr: `invalid openaev_version "two.four"`},
		{name: "unparseable with the callback profile", args: []string{"run", "noop", "--target", "127.0.0.1",
			"--openaev-version", "latest"}, code: cli.ExitUsage, stderr: `invalid openaev_version "latest"`},
		{name: "openaev message", args: []string{"run", "noop", "--openaev-message", writeFile(t, "m.json",
			`{"injection":{"inject_id":"i","inject_content":{"target_selector":"manual","targets":"127.0.0.1"}}}`),
			"--openaev-version", "2.4.0", "--log-level", "warn"}, stderr: predates},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := run(t, registry(), tt.env, tt.args...)
			if r.code != tt.code {
				t.Fatalf("exit %d, want %d: %s", r.code, tt.code, r.stderr)
			}
			if tt.stderr == "" && r.stderr != "" || !strings.Contains(r.stderr, tt.stderr) {
				t.Errorf("stderr %q, want %q", r.stderr, tt.stderr)
			}
			if n := strings.Count(r.stderr, predates); n > 1 {
				t.Errorf("%d warnings about the version", n)
			}
			if tt.code != 0 {
				return
			}
			if _, ok := terminalDoc(t, r.stdout)["expectation_signatures"]; ok != tt.signatures {
				t.Errorf("signatures sent: %v, want %v", ok, tt.signatures)
			}
		})
	}
}

// TestRunOpenAEVPlatformVersion runs --profile openaev against platforms of
// both lines: the version is read once (unless given), and the terminal
// callback is processed.
func TestRunOpenAEVPlatformVersion(t *testing.T) {
	tests := []struct {
		name     string
		version  openaevtest.Version
		args     []string
		legacy   bool // the platform's synchronous ingestion
		settings int  // version reads, and on the current line the features read
		warn     bool
	}{
		{name: "2.4.0 detected", version: openaevtest.Version24, settings: 1, warn: true},
		{name: "current detected", version: openaevtest.Current, settings: 2},
		{name: "2.4.0 given", version: openaevtest.Version24, args: []string{"--openaev-version", "2.4.0"}, warn: true},
		{name: "current given", version: openaevtest.Current, args: []string{"--openaev-version", "3.260821.0"}, settings: 1},
		{name: "2.4.0, legacy ingestion", version: openaevtest.Version24, legacy: true, settings: 1, warn: true},
		{name: "current, legacy ingestion", version: openaevtest.Current, legacy: true, settings: 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := openaevtest.NewPlatform(t, platformToken, openaevtest.WithVariant(tt.version, tt.legacy))
			registered(t, p, platformToken, registry())
			before := len(p.CallsOf(openaevtest.KindSettings)) // the registration's
			p.AddInject("inj-v", openaev.ContractID("noop"))
			args := append([]string{"run", "noop", "--profile", "openaev", "--inject-id", "inj-v", "--target", "127.0.0.1",
				"--backend-url", p.URL, "--token", platformToken, "--log-level", "warn", "-o", "text"}, tt.args...)
			r := run(t, registry(), nil, args...)
			if r.code != 0 {
				t.Fatalf("exit %d: %s", r.code, r.stderr)
			}
			// The summary says why no signatures went, whether the version
			// was given or read from the platform.
			if said := strings.Contains(r.stdout, "no expectation signatures: the platform's 2.4"); said != tt.warn {
				t.Errorf("summary %q: want the version's reason %v", r.stdout, tt.warn)
			}
			if settings := len(p.CallsOf(openaevtest.KindSettings)) - before; settings != tt.settings {
				t.Errorf("%d settings reads, want %d", settings, tt.settings)
			}
			if strings.Contains(r.stderr, predates) != tt.warn || strings.Count(r.stderr, predates) > 1 {
				t.Errorf("stderr %q: want a warning %v", r.stderr, tt.warn)
			}
			done, ok := p.Terminal("inj-v")
			if !ok || !done.Processed() {
				t.Fatalf("terminal callback %v %s %s", ok, done.Outcome, done.Reason)
			}
			doc, _ := done.Structured()
			if _, sig := doc["expectation_signatures"]; sig != (tt.version == openaevtest.Current) {
				t.Errorf("signatures sent to %v: %v", tt.version, sig)
			}
			if strings.Contains(r.stderr, platformToken) {
				t.Error("token leaked to stderr")
			}
		})
	}
}

// TestRunRouteHint runs the default (callback) profile against a backend
// without its route, as an OpenAEV platform is: one line suggests the
// openaev profile.
func TestRunRouteHint(t *testing.T) {
	tests := []struct {
		name   string
		status int
		args   []string
		hint   bool
	}{
		{"404 with the outbox", http.StatusNotFound, nil, true},
		{"405 without an outbox", http.StatusMethodNotAllowed, []string{"--outbox", "none"}, true},
		{"400: no hint", http.StatusBadRequest, []string{"--outbox", "none"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			be := newBackend(t, tt.status)
			args := append([]string{"run", "noop", "--inject-id", "inj-h", "--target", "127.0.0.1",
				"--backend-url", be.URL, "--token", platformToken, "--log-level", "error"}, tt.args...)
			r := run(t, registry(), nil, args...)
			if r.code != cli.ExitDelivery {
				t.Fatalf("exit %d: %s", r.code, r.stderr)
			}
			if reqs := be.got(); len(reqs) == 0 || reqs[0].Method != http.MethodPost || reqs[0].Path != "/api/injects/inj-h/callback" {
				t.Errorf("requests %v", reqs)
			}
			lines := strings.Split(strings.TrimSpace(r.stderr), "\n")
			last := lines[len(lines)-1]
			n := strings.Count(r.stderr, "--profile openaev")
			switch {
			case tt.hint && (n != 1 || !strings.HasPrefix(last, "injectkit: hint: ") || !strings.Contains(last, "--profile openaev")):
				t.Errorf("stderr does not end with one hint:\n%s", r.stderr)
			case !tt.hint && n != 0:
				t.Errorf("unexpected hint:\n%s", r.stderr)
			}
		})
	}
}

// TestServePlatformVersion checks that serve registers contracts for the
// platform's version, read before the first registration or given.
func TestServePlatformVersion(t *testing.T) {
	tests := []struct {
		name       string
		version    openaevtest.Version
		args       []string
		settings   int
		signatures bool     // the contracts declare expectation signatures
		features   []string // the platform's enabled_dev_features (nil: the stand-in's default)
		dropped    bool     // the WARN saying the platform drops the signatures
	}{
		{name: "2.4.0 detected", version: openaevtest.Version24, settings: 1},
		{name: "current detected", version: openaevtest.Current, settings: 2, signatures: true},
		{name: "2.4.0 given", version: openaevtest.Current, args: []string{"--openaev-version", "2.4.0"}},
		{name: "current without signature processing", version: openaevtest.Current, settings: 2, signatures: true,
			features: []string{}, dropped: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := openaevtest.NewPlatform(t, serveToken, openaevtest.WithVersion(tt.version))
			if tt.features != nil {
				p.SetDevFeatures(tt.features...)
			}
			args := append([]string{"--openaev-url", p.URL, "--token", serveToken, "--injector-id", injectorID,
				"--listen-addr", "127.0.0.1:0", "--outbox", "none"}, tt.args...)
			stderr, stop := serveRun(t, nil, args...)
			waitUntil(t, "a registration", func() bool { return len(p.Registrations()) > 0 })
			stop()
			reg := p.Registrations()[0]
			if !reg.Accepted() {
				t.Fatalf("registration %d; stderr:\n%s", reg.Status, stderr)
			}
			if settings := len(p.CallsOf(openaevtest.KindSettings)); settings != tt.settings {
				t.Errorf("%d settings reads, want %d", settings, tt.settings)
			}
			if n := strings.Count(stderr.String(), openaev.SignaturesDroppedWarning); n != map[bool]int{true: 1}[tt.dropped] {
				t.Errorf("%d warnings that the platform drops the signatures, want one: %v; stderr:\n%s", n, tt.dropped, stderr)
			}
			outs, ok := p.ContractOutputs(openaev.ContractID("portscan"))
			if !ok {
				t.Fatalf("portscan's contract not registered")
			}
			if got := slices.Contains(outs, "expectation_signature:expectation_signatures"); got != tt.signatures {
				t.Errorf("outputs %v: signatures %v, want %v", outs, got, tt.signatures)
			}
		})
	}
}

// TestRunOpenAEVSignatureFeature runs an inject on current platforms with
// and without signature processing: without it, one WARN line says the
// platform drops the signatures, which are sent all the same, and the
// inject completes; with it, nothing is said and they are stored.
func TestRunOpenAEVSignatureFeature(t *testing.T) {
	message := `{"injection":{"inject_id":"inj-f","inject_injector_contract":{"injector_contract_id":"` +
		openaev.ContractID("noop") + `"},"inject_content":{"target_selector":"assets"}},` +
		`"assets":[{"asset_id":"a1","asset_name":"web","asset_ips":["192.0.2.7"]}]}`
	tests := []struct {
		name     string
		features []string
		args     []string
		dropped  bool
	}{
		{name: "enabled", features: []string{"SIGNATURE_OUTPUT_PROCESSOR"}},
		{name: "all-flag", features: []string{"*"}},
		{name: "platform default", features: []string{}, dropped: true},
		{name: "platform default, version given", features: []string{}, args: []string{"--openaev-version", "3.260821.0"}, dropped: true},
		{name: "platform default, openaev message", features: []string{}, dropped: true,
			args: []string{"--openaev-message", writeFile(t, "m.json", message)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := noopPlatform(t, "inj-f", openaevtest.WithDevFeatures(tt.features...))
			args := []string{"run", "noop", "--backend-url", p.URL, "--token", platformToken, "--log-level", "warn", "-o", "text"}
			if !slices.Contains(tt.args, "--openaev-message") {
				args = append(args, "--profile", "openaev", "--inject-id", "inj-f", "--target", "127.0.0.1")
			}
			r := run(t, registry(), nil, append(args, tt.args...)...)
			if r.code != 0 {
				t.Fatalf("exit %d: %s", r.code, r.stderr)
			}
			if n := strings.Count(r.stderr, openaev.SignaturesDroppedWarning); n != map[bool]int{true: 1}[tt.dropped] {
				t.Errorf("stderr %q: %d warnings that the platform drops the signatures, want one: %v", r.stderr, n, tt.dropped)
			}
			done, ok := p.Terminal("inj-f")
			if !ok || !done.Processed() || p.InjectStatus("inj-f") != "EXECUTED" {
				t.Fatalf("terminal callback %v %s %s, inject %s", ok, done.Outcome, done.Reason, p.InjectStatus("inj-f"))
			}
			doc, _ := done.Structured()
			if _, sent := doc["expectation_signatures"]; !sent {
				t.Error("signatures not sent")
			}
			if skipped := done.SignaturesSkipped != ""; skipped != tt.dropped {
				t.Errorf("platform skipped the signatures: %v (%s), want %v", skipped, done.SignaturesSkipped, tt.dropped)
			}
			if strings.Contains(r.stderr, platformToken) {
				t.Error("token leaked to stderr")
			}
		})
	}
}
