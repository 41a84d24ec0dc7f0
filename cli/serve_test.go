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

// serveQueue runs `injectkit serve` (serveRun) against the platform at
// url, which publishes to queue, with its /healthz and /metrics on a free
// loopback port, JSON logs and args added; it logs the daemon's stderr
// when the test fails, and returns once the daemon consumes the queue.
func serveQueue(t *testing.T, url, queue string, args ...string) (stderr *testkit.Buffer, stop func() int) {
	t.Helper()
	stderr, stop = serveRun(t, nil, append([]string{"--openaev-url", url, "--token", serveToken, "--injector-id", injectorID,
		"--listen-addr", "127.0.0.1:0", "--log-format", "json"}, args...)...)
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("stderr:\n%s", stderr)
		}
	})
	waitUntil(t, "a consumer on the queue", func() bool { _, c := servetest.Counts(t, queue); return c == 1 })
	return stderr, stop
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
	const want = `required (INJECTKIT_TOKEN, the config file's token or --token)`
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

// scrapeMetrics returns the text of /metrics on the address a daemon whose
// JSON logs are stderr logged.
func scrapeMetrics(t *testing.T, stderr string) []byte {
	t.Helper()
	serving := jsonLogs(stderr, "serving /healthz and /metrics")
	if len(serving) != 1 {
		t.Fatalf("no listen address logged")
	}
	resp, err := http.Get("http://" + serving[0]["addr"].(string) + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	text, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return text
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
			retries = append(retries, fmt.Sprint(m["level"], " ", m["attempt"], "/", m["attempts"]))
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
