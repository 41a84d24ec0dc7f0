package cli_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/injectkit/injectkit/cli"
	"github.com/injectkit/injectkit/framework"
	"github.com/injectkit/injectkit/internal/testkit"
	"github.com/injectkit/injectkit/openaev"
	"github.com/injectkit/injectkit/openaev/openaevtest"
	"github.com/injectkit/injectkit/serve/servetest"
)

const (
	injectorID = "5b8c6a8e-1f0e-4c39-9a57-0d3c1b2a4f10"
	serveToken = "s3cret-platform-token"
)

// portscan is an nmap-shaped injector: network targets, open ports as
// findings in nmap's structured outputs.
type portscan struct{}

func (portscan) Manifest() framework.Manifest {
	return framework.Manifest{
		Name: "portscan", Category: framework.Network, Description: "reports port 22 open on every target",
		Expectations: []framework.ExpectationType{framework.Detection, framework.Prevention},
		Outputs: []framework.Output{
			{Type: "portscan", Field: "scan_results", Multiple: true, Finding: true},
			{Type: "port", Field: "ports", Multiple: true},
		},
	}
}

func (portscan) Execute(ctx context.Context, cfg *framework.Inject) framework.ToolOutput {
	var results []map[string]any
	for _, t := range cfg.Targets {
		nc, _ := t.Network()
		results = append(results, map[string]any{"port": 22, "service": "ssh", "host": nc.Value(), "asset_id": t.Attribution.Asset})
		cfg.Partial(nc.Value() + ":22/tcp open ssh")
	}
	return framework.ToolOutput{Findings: map[string]any{"scan_results": results, "ports": []int{22}}}
}

func serveRegistry() *framework.Registry {
	return registry(func(r *framework.Registry) {
		r.Register("portscan", func() framework.Executor { return portscan{} })
	})
}

// servedDaemon is `injectkit serve` running in memory; Stop returns its
// exit code.
type servedDaemon struct {
	*testkit.Routine[int]
	stderr *testkit.Buffer
	hosts  *hostsResolver // the runtime's resolver
}

// serveRun runs `injectkit serve` with serveRegistry in memory until stop
// is called.
func serveRun(t *testing.T, env map[string]string, args ...string) (stderr *testkit.Buffer, stop func() int) {
	t.Helper()
	d := serveWith(t, serveRegistry(), env, args...)
	return d.stderr, func() int { return d.Stop(t) }
}

// serveWith runs `injectkit serve` with the injectors of reg in memory
// until the test ends or Stop is called.
func serveWith(t *testing.T, reg *framework.Registry, env map[string]string, args ...string) *servedDaemon {
	t.Helper()
	return serveOptions(t, cli.Options{Registry: reg}, env, args...)
}

// serveOptions runs `serve` over options o (its streams, version and
// environment set here) until the test ends or Stop is called.
func serveOptions(t *testing.T, o cli.Options, env map[string]string, args ...string) *servedDaemon {
	t.Helper()
	d := &servedDaemon{stderr: &testkit.Buffer{}, hosts: newHostsResolver(t, testHosts)}
	state := t.TempDir() // the default outbox lives here unless env names one
	o.Version, o.Stdout, o.Stderr = "1.2.3", io.Discard, d.stderr
	o = cli.WithHosts(o, d.hosts.LookupHost)
	o.Getenv = func(k string) string {
		switch k {
		case "CONTAINER_IP":
			if v, ok := env[k]; ok {
				return v
			}
			return "172.17.0.2"
		case "XDG_STATE_HOME":
			if v, ok := env[k]; ok {
				return v
			}
			return state
		}
		return env[k]
	}
	o.Environ = environ(env)
	d.Routine = testkit.Go(t, "serve", func(ctx context.Context) int {
		return cli.Run(ctx, o, append([]string{"injectkit", "serve"}, args...))
	})
	return d
}

// TestServeRefusesAMissingToken checks that serve without a token (the
// platform authorizes every request with it) exits 2 naming where to give
// it, before it contacts the platform, rather than registering without
// one and exiting on the 401. A blank one is quoted as written.
func TestServeRefusesAMissingToken(t *testing.T) {
	const want = `required (--token, INJECTKIT_TOKEN or token in the config file)`
	p := openaevtest.NewPlatform(t, serveToken)
	base := []string{"--openaev-url", p.URL, "--injector-id", injectorID, "--listen-addr", ""}
	empty, blank := writeFile(t, "c.yaml", "token: ''\n"), writeFile(t, "b.yaml", "token: ' '\n")
	tests := []struct {
		name string
		args []string
		env  map[string]string
		head string // the token as written: white space alone is no secret to mask
	}{
		{"none given", base, nil, `invalid token "": `},
		{"blank flag", append(base, "--token", "  "), nil, `invalid token "  " (--token): `},
		{"blank environment", base, map[string]string{"INJECTKIT_TOKEN": "\t"}, `invalid token "\t" (env INJECTKIT_TOKEN): `},
		{"empty in the config file", append(base, "--config", empty), nil, `invalid token "" (config file ` + empty + `:1): `},
		{"blank in the config file", append(base, "--config", blank), nil, `invalid token " " (config file ` + blank + `:1): `},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			stderr, stop := serveRun(t, tt.env, tt.args...)
			waitUntil(t, "serve to exit", func() bool { return strings.Contains(stderr.String(), "injectkit: ") })
			if code := stop(); code != cli.ExitUsage || !strings.Contains(stderr.String(), tt.head+want) {
				t.Errorf("exit %d, stderr %q; want %d and %q", code, stderr, cli.ExitUsage, tt.head+want)
			}
			if calls := p.AllCalls(); len(calls) != 0 {
				t.Errorf("%d requests sent to the platform, want none: %+v", len(calls), calls)
			}
		})
	}
}

func TestServeConfigErrors(t *testing.T) {
	base := []string{"--openaev-url", "http://127.0.0.1:1", "--token", serveToken, "--injector-id", injectorID}
	notPNG := writeFile(t, "bad.png", "not a png")
	hugePNG := writeFile(t, "huge.png", "\x89PNG\r\n\x1a\n"+strings.Repeat("x", openaev.MaxIconSize))
	tests := []struct {
		name string
		args []string
		env  map[string]string
		want string
	}{
		{"no platform URL", []string{"--token", serveToken, "--injector-id", injectorID}, nil, "openaev_url"},
		{"no injector id", []string{"--openaev-url", "http://127.0.0.1:1", "--token", serveToken}, nil, "injector_id"},
		{"platform URL with credentials", []string{"--openaev-url", "http://u:pw@127.0.0.1:1", "--token", serveToken, "--injector-id", injectorID}, nil,
			`invalid openaev_url "http://REDACTED@127.0.0.1:1" (--openaev-url): must not hold credentials`},
		{"platform URL scheme", []string{"--openaev-url", "ftp://127.0.0.1:1", "--token", serveToken, "--injector-id", injectorID}, nil,
			`invalid openaev_url "ftp://127.0.0.1:1" (--openaev-url): scheme must be http or https`},
		{"injector id not a UUID", []string{"--openaev-url", "http://127.0.0.1:1", "--token", serveToken, "--injector-id", "inj-1"}, nil, `"inj-1"`},
		{"no workers", append(base, "--workers", "0"), nil, `workers "0"`},
		{"bad shutdown timeout", append(base, "--shutdown-timeout", "soon"), nil, `shutdown_timeout "soon"`},
		{"zero heartbeat from env", base, map[string]string{"INJECTKIT_HEARTBEAT_INTERVAL": "0s"}, `heartbeat_interval "0s"`},
		{"bad log level", append(base, "--log-level", "loud"), nil, `"loud"`},
		{"missing icon", append(base, "--icon-file", "/nonexistent/icon.png"), nil, "icon_file"},
		{"icon not a PNG", append(base, "--icon-file", notPNG), nil,
			fmt.Sprintf("invalid icon_file %q (--icon-file): not a PNG image", notPNG)},
		{"icon too large", append(base, "--icon-file", hugePNG), nil,
			fmt.Sprintf("invalid icon_file %q (--icon-file): larger than the 1048576 bytes (1 MiB)", hugePNG)},
		{"unknown config key", append(base, "--config", writeFile(t, "c.yaml", "workerz: 3\n")), nil, "workerz"},
		{"positional argument", append(base, "extra"), nil, "no arguments"},
		{"bad platform version", append(base, "--openaev-version", "latest"), nil, `invalid openaev_version "latest"`},
		{"bad platform version from env", base, map[string]string{"INJECTKIT_OPENAEV_VERSION": "3.x"}, `invalid openaev_version "3.x"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := map[string]string{}
			for k, v := range tt.env {
				env[k] = v
			}
			stderr, stop := serveRun(t, env, tt.args...)
			var code int
			waitUntil(t, "serve to exit", func() bool {
				return strings.Contains(stderr.String(), "injectkit: ")
			})
			code = stop()
			if code != cli.ExitUsage {
				t.Errorf("exit %d, want %d; stderr: %s", code, cli.ExitUsage, stderr)
			}
			if !strings.Contains(stderr.String(), tt.want) {
				t.Errorf("stderr %q does not mention %q", stderr, tt.want)
			}
			if strings.Contains(stderr.String(), serveToken) {
				t.Error("token leaked to stderr")
			}
		})
	}
}

func TestServeRefusedRegistrationExits1(t *testing.T) {
	p := openaevtest.NewPlatform(t, "the-right-token")
	stderr, stop := serveRun(t, nil, "--openaev-url", p.URL, "--token", serveToken, "--injector-id", injectorID,
		"--listen-addr", "127.0.0.1:0")
	waitUntil(t, "serve to exit", func() bool { return strings.Contains(stderr.String(), "injectkit: ") })
	if code := stop(); code != cli.ExitDelivery {
		t.Errorf("exit %d, want 1; stderr: %s", code, stderr)
	}
	if !strings.Contains(stderr.String(), "401") || strings.Contains(stderr.String(), serveToken) {
		t.Errorf("stderr should name the 401 and not the token: %s", stderr)
	}
}

// waitUntil waits up to 60 s for cond.
func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	testkit.WaitFor(t, 60*time.Second, what, cond)
}

func noopMessage(t *testing.T, id string, content map[string]any) []byte {
	c := map[string]any{"target_selector": "manual", "targets": "127.0.0.1"}
	for k, v := range content {
		c[k] = v
	}
	return openaevtest.Message(openaevtest.QueuedInject{ID: id, ContractID: openaev.ContractID("noop"), Content: c})
}

func kinds(calls []openaevtest.Call) []string {
	var out []string
	for _, c := range calls {
		out = append(out, fmt.Sprintf("%s:%d", c.Kind, c.Status))
	}
	return out
}

// jsonLogs returns the JSON log lines whose msg is msg.
func jsonLogs(stderr, msg string) []map[string]any {
	var out []map[string]any
	for _, line := range strings.Split(stderr, "\n") {
		var m map[string]any
		if json.Unmarshal([]byte(line), &m) == nil && m["msg"] == msg {
			out = append(out, m)
		}
	}
	return out
}

// checkDeliveryTagged checks that every JSON log line naming inject id,
// a message delivered once, carries one delivery (channel and
// delivery_tag), and that the lines include one of each message in want.
func checkDeliveryTagged(t *testing.T, stderr, id string, want ...string) {
	t.Helper()
	deliveries := map[string]bool{}
	seen := map[string]bool{}
	for _, line := range strings.Split(stderr, "\n") {
		var m map[string]any
		if json.Unmarshal([]byte(line), &m) != nil || m["inject_id"] != id {
			continue
		}
		msg, _ := m["msg"].(string)
		seen[msg] = true
		channel, hasChannel := m["channel"]
		tag, hasTag := m["delivery_tag"]
		if !hasChannel || !hasTag {
			t.Errorf("%s: line %q has no channel or no delivery_tag", id, msg)
			continue
		}
		deliveries[fmt.Sprint(channel, "/", tag)] = true
	}
	if len(deliveries) > 1 {
		t.Errorf("%s: deliveries (channel/delivery_tag) %v, want one", id, deliveries)
	}
	for _, msg := range want {
		if !seen[msg] {
			t.Errorf("%s: no line %q", id, msg)
		}
	}
}

func TestIntegrationServeRunsInjects(t *testing.T) {
	testkit.Integration(t) // and RabbitMQ
	p := openaevtest.NewPlatform(t, serveToken)
	queue := servetest.PlatformQueue(t, p)
	p.FailComplete("i-409", http.StatusConflict, 2)
	for id, injector := range map[string]string{"i-noop": "noop", "i-scan": "portscan", "i-bad": "", "i-409": "noop"} {
		p.AddInject(id, openaev.ContractID(injector))
	}

	stderr, stop := serveRun(t, nil, "--openaev-url", p.URL, "--token", serveToken, "--injector-id", injectorID,
		"--listen-addr", "127.0.0.1:0", "--heartbeat-interval", "5s", "--workers", "2", "--log-format", "json",
		"--injectors", "portscan", "--injectors", "noop") // noop is served only when named
	waitUntil(t, "a consumer on the queue", func() bool { _, c := servetest.Counts(t, queue); return c == 1 })

	scan := openaevtest.Message(openaevtest.QueuedInject{ID: "i-scan", ContractID: openaev.ContractID("portscan"),
		Content: map[string]any{"target_selector": "assets",
			"expectations": []map[string]any{{"expectation_type": "DETECTION"}}},
		Assets: []map[string]any{{"asset_id": "a1", "asset_name": "web", "asset_ips": []string{"192.0.2.7"},
			"asset_agents": []map[string]any{{"agent_id": "ag1"}}}},
	})
	unknown := openaevtest.Message(openaevtest.QueuedInject{ID: "i-bad", ContractID: "00000000-0000-0000-0000-000000000000"})
	servetest.Publish(t, queue,
		noopMessage(t, "i-noop", map[string]any{"delay": "20ms"}),
		scan,
		[]byte(`{"injection": {"inject_id": `), // not JSON, no readable id
		[]byte(`{"injection": {"inject_title": "no id"}}`),
		unknown,
		noopMessage(t, "i-409", nil),
	)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	for _, id := range []string{"i-noop", "i-scan", "i-bad", "i-409"} {
		if _, err := p.WaitTerminal(ctx, id); err != nil {
			t.Fatalf("no terminal callback for %s: %v; stderr:\n%s", id, err, stderr)
		}
	}
	defer func() {
		if t.Failed() {
			t.Logf("stderr:\n%s", stderr)
		}
	}()
	waitUntil(t, "every message settled", func() bool {
		return len(jsonLogs(stderr.String(), "message rejected without requeue")) == 3 &&
			len(jsonLogs(stderr.String(), "terminal callback delivered")) == 4
	})

	// Callbacks in order: reception, the run's trace, one trace per target
	// with an asset (the current line), one terminal callback.
	if got := kinds(p.Calls("i-noop")); strings.Join(got, " ") != "reception:200 trace:200 complete:200" {
		t.Errorf("i-noop calls = %v", got)
	}
	scanCalls := p.Calls("i-scan")
	if got := kinds(scanCalls); strings.Join(got, " ") != "reception:200 trace:200 trace:200 complete:200" {
		t.Fatalf("i-scan calls = %v", got)
	}
	if _, ok := scanCalls[1].Body["execution_context_identifiers"]; ok || !scanCalls[2].Processed() {
		t.Errorf("i-scan traces %v, %v (%s)", scanCalls[1].Body, scanCalls[2].Body, scanCalls[2].Reason)
	}
	checkTargetTrace(t, scanCalls[2].Body, "a1", "portscan on 192.0.2.7: succeeded; scan_results: 1")
	noop, _ := p.Terminal("i-noop")
	out, ok := noop.Structured()
	// Manual targets carry no asset, hence no signature target.
	if noop.Body["execution_status"] != "SUCCESS" || !ok || out["summary"] != "noop: 1 target(s), outcome success" {
		t.Errorf("noop terminal callback = %v", noop.Body)
	}
	sc, _ := p.Terminal("i-scan")
	out, _ = sc.Structured()
	results, _ := out["scan_results"].([]any)
	if len(results) != 1 || results[0].(map[string]any)["asset_id"] != "a1" || fmt.Sprint(out["ports"]) != "[22]" {
		t.Errorf("scan outputs = %v", out)
	}
	sigs := fmt.Sprint(out["expectation_signatures"])
	// portscan is no framework.DirectSender: no target address.
	for _, want := range []string{"asset:a1", "agent:ag1", "start_date", "DETECTION"} {
		if !strings.Contains(sigs, want) {
			t.Errorf("scan signatures lack %q: %s", want, sigs)
		}
	}
	// 409 ("not PENDING yet") is retried until accepted.
	if got := kinds(p.Calls("i-409")); strings.Join(got, " ") != "reception:200 trace:200 complete:409 complete:409 complete:200" {
		t.Errorf("i-409 calls = %v", got)
	}
	// A message naming an inject id still gets its terminal INVALID_USAGE.
	bad, _ := p.Terminal("i-bad")
	if bad.Body["execution_status"] != "INVALID_USAGE" || !strings.Contains(fmt.Sprint(bad.Body["execution_message"]), "unknown contract") {
		t.Errorf("i-bad terminal callback = %v", bad.Body)
	}
	// Every callback was processed, its signatures readable by collectors.
	for _, id := range []string{"i-noop", "i-scan", "i-bad", "i-409"} {
		if c, _ := p.Terminal(id); !c.Processed() {
			t.Errorf("%s terminal callback %s: %s", id, c.Outcome, c.Reason)
		}
	}
	if b := p.CollectorBreaking(); len(b) != 0 {
		t.Errorf("collector-breaking signature types %v", b)
	}
	// Malformed messages without an id reach nobody and are logged; the
	// platform's version and features are read once, before the first
	// registration, and the contracts it holds for the injector id once
	// (to warn of those the registration deletes).
	settings, held := 0, 0
	for _, c := range p.AllCalls() {
		if c.Kind == openaevtest.KindSettings {
			settings++
			continue
		}
		if c.Kind == openaevtest.KindInjectorContracts {
			held++
			continue
		}
		if c.Kind != openaevtest.KindRegistration && c.InjectID != "i-noop" && c.InjectID != "i-scan" &&
			c.InjectID != "i-bad" && c.InjectID != "i-409" {
			t.Errorf("unexpected platform call %s %s", c.Kind, c.Path)
		}
	}
	if settings != 2 {
		t.Errorf("%d settings reads, want 2 (the version, the features)", settings)
	}
	if held != 1 {
		t.Errorf("%d reads of the injector's contracts, want 1", held)
	}
	reasons := fmt.Sprint(jsonLogs(stderr.String(), "message rejected without requeue"))
	for _, want := range []string{"injection.inject_id is missing", "malformed message", "unknown contract"} {
		if !strings.Contains(reasons, want) {
			t.Errorf("rejections do not give the reason %q: %s", want, reasons)
		}
	}
	// Every line about a message carries its delivery_tag beside its
	// inject_id: the lines of two copies of one inject in flight can be
	// told apart.
	checkDeliveryTagged(t, stderr.String(), "i-noop", "message received", "pre-execution signatures compiled", "executed",
		"payload built", "terminal callback delivered", "delivered")
	checkDeliveryTagged(t, stderr.String(), "i-409", "message received", "request failed, retrying", "terminal callback delivered")
	checkDeliveryTagged(t, stderr.String(), "i-bad", "message received", "message rejected without requeue")
	// The first heartbeat comes 5 s (the least allowed) after the first
	// registration.
	waitUntil(t, "a heartbeat", func() bool { return len(p.Registrations()) >= 2 })
	if n := len(jsonLogs(stderr.String(), "registered")); n != 1 {
		t.Errorf("%d \"registered\" log lines, want one: heartbeats are logged only when they fail", n)
	}
	if ready, _ := servetest.Counts(t, queue); ready != 0 {
		t.Errorf("%d messages left in the queue", ready)
	}

	// Metrics, on the address the daemon logged.
	serving := jsonLogs(stderr.String(), "serving /healthz and /metrics")
	if len(serving) != 1 {
		t.Fatalf("no listen address logged")
	}
	resp, err := http.Get("http://" + serving[0]["addr"].(string) + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	text, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	for _, want := range []string{
		`injectkit_injects_received_total{injector="noop"} 2`,
		`injectkit_injects_received_total{injector="portscan"} 1`,
		`injectkit_injects_received_total{injector="unknown"} 3`,
		`injectkit_injects_completed_total{injector="noop"} 2`,
		`injectkit_injects_failed_total{injector="unknown"} 3`,
		`injectkit_injects_failed_total{injector="portscan"} 0`, // declared at the start
		`injectkit_delivery_attempts_total{status="error"} 0`,
		`injectkit_outbox_bodies{state="pending"} 0`,
		`injectkit_outbox_max_bytes 1.073741824e+09`,
		`injectkit_delivery_attempts_total{status="409"} 2`,
		`injectkit_execution_duration_seconds_count{injector="noop"} 2`,
		`injectkit_delivery_duration_seconds_count{injector="portscan"} 1`,
		`injectkit_messages_total{outcome="acked"} 3`,
		`injectkit_messages_total{outcome="rejected"} 3`,
		"go_goroutines",
	} {
		if !strings.Contains(string(text), want) {
			t.Errorf("/metrics lacks %q", want)
		}
	}
	if code := stop(); code != 0 {
		t.Errorf("exit %d after cancellation, want 0", code)
	}
	if strings.Contains(stderr.String(), serveToken) {
		t.Error("token leaked to the logs")
	}
}

// checkOneFailureLine checks that the JSON logs of one failure of inject
// id's request op (every attempt refused) hold one WARN line per retry,
// attempt n/N, and besides them one line at WARN or above, final, naming
// the attempts made (none when final is ""): the client logs its retries
// and returns the failure, which is logged once.
func checkOneFailureLine(t *testing.T, stderr, id, op, final string) {
	t.Helper()
	var above []string
	var retries []string
	for _, line := range strings.Split(stderr, "\n") {
		var m map[string]any
		if json.Unmarshal([]byte(line), &m) != nil || m["inject_id"] != id {
			continue
		}
		switch {
		case m["msg"] == "request failed, retrying" && m["op"] == op:
			retries = append(retries, fmt.Sprint(m["level"], " ", m["attempt"]))
		case m["level"] == "warn" || m["level"] == "error":
			above = append(above, fmt.Sprint(m["msg"]))
			if m["msg"] == final && !strings.Contains(fmt.Sprint(m["error"]), "after 4 attempts") {
				t.Errorf("the failure line's error %q does not name the attempts", m["error"])
			}
		}
	}
	var want []string
	if final != "" {
		want = []string{final}
	}
	if !slices.Equal(above, want) {
		t.Errorf("lines at WARN or above about %s besides the retries: %q, want %q", id, above, want)
	}
	if want := []string{"warn 1/4", "warn 2/4", "warn 3/4"}; !slices.Equal(retries, want) {
		t.Errorf("retry lines of %s's %s: %q, want %q", id, op, retries, want)
	}
}
