package cli_test

import (
	"context"
	"encoding/json"
	"maps"
	"net/http"
	"path/filepath"
	"strings"
	"testing"

	"github.com/injectkit/injectkit/cli"
	"github.com/injectkit/injectkit/framework"
	"github.com/injectkit/injectkit/framework/frameworktest"
	"github.com/injectkit/injectkit/injectors/nmap"
	"github.com/injectkit/injectkit/injectors/noop"
	"github.com/injectkit/injectkit/injectors/query"
	"github.com/injectkit/injectkit/internal/testkit"
	"github.com/injectkit/injectkit/transport/transporttest"
)

// backend is a callback backend answering every request with one status,
// recording each with its JSON body decoded.
type backend struct{ *transporttest.Backend }

type recorded struct {
	Method, Path string
	Header       http.Header
	Body         map[string]any
}

func newBackend(t *testing.T, status int) *backend {
	b := transporttest.NewScriptedBackend(t)
	b.SetReply(transporttest.Reply{Status: status, Body: `{"error":"nope"}`})
	return &backend{b}
}

func (b *backend) got() []recorded {
	var out []recorded
	for _, r := range b.Requests() {
		var body map[string]any
		_ = json.Unmarshal(r.Body, &body)
		out = append(out, recorded{r.Method, r.Path, r.Header, body})
	}
	return out
}

// only returns the one request received; any other count fails t.
func (b *backend) only(t *testing.T) recorded {
	t.Helper()
	reqs := b.got()
	if len(reqs) != 1 {
		t.Fatalf("%d requests, want 1", len(reqs))
	}
	return reqs[0]
}

type result struct {
	code           int
	stdout, stderr string
}

// withQuery is the test registry with the query injector.
func withQuery(r *framework.Registry) {
	r.Register("query", func() framework.Executor { return query.New() })
}

// withNmapScanner registers the nmap injector itself (withNmap registers
// a stand-in).
func withNmapScanner(r *framework.Registry) {
	r.Register("nmap", func() framework.Executor { return nmap.New() })
}

func registry(extra ...func(*framework.Registry)) *framework.Registry {
	r := framework.NewRegistry()
	r.Register("noop", func() framework.Executor { return noop.New() })
	for _, f := range extra {
		f(r)
	}
	return r
}

func run(t *testing.T, reg *framework.Registry, env map[string]string, args ...string) result {
	t.Helper()
	s := newSession(false, false)
	s.env = env
	return s.run(t, reg, args...)
}

// refusal is a command line that is refused before anything runs: its
// arguments, the environment it adds, and what the refusal says (in a
// table of lines some of which are accepted, "" for those).
type refusal struct {
	name string
	env  map[string]string
	args []string
	want string
}

// wantRefused runs each refusal under run and under validate, in env and
// after line (the injector and the arguments every case shares): each
// exits 2 saying what it wants, and never says never (when given).
func wantRefused(t *testing.T, reg *framework.Registry, env map[string]string, line []string, never string, tests []refusal) {
	t.Helper()
	for _, tt := range tests {
		for _, cmd := range []string{"run", "validate"} {
			t.Run(cmd+" "+tt.name, func(t *testing.T) {
				var e map[string]string
				if env != nil || tt.env != nil {
					e = maps.Clone(env)
					if e == nil {
						e = map[string]string{}
					}
					maps.Copy(e, tt.env)
				}
				args := append(append(append([]string{cmd}, line...), "--log-level", "error"), tt.args...)
				r := run(t, reg, e, args...)
				if r.code != 2 || !strings.Contains(r.stderr, tt.want) || (never != "" && strings.Contains(r.stderr, never)) {
					t.Errorf("exit %d, want 2 with %q (and no %q):\n%s", r.code, tt.want, never, r.stderr)
				}
			})
		}
	}
}

func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	return testkit.WriteFile(t, name, content)
}

// bodyValues returns signature_type → value of the first group of target i.
func bodyValues(t *testing.T, body map[string]any, i int) map[string]any {
	t.Helper()
	targets := body["expectation_signature"].(map[string]any)["targets"].([]any)
	group := targets[i].(map[string]any)["signature_values"].([]any)[0].(map[string]any)
	out := map[string]any{}
	for _, v := range group["values"].([]any) {
		m := v.(map[string]any)
		out[m["signature_type"].(string)] = m["signature_value"]
	}
	return out
}

// printedBody checks that r exited code and returns the JSON body it
// printed (run without a backend), decoded.
func printedBody(t *testing.T, r result, code int) map[string]any {
	t.Helper()
	if r.code != code {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	var body map[string]any
	if err := json.Unmarshal([]byte(r.stdout), &body); err != nil {
		t.Fatalf("stdout is no JSON body: %v\n%s", err, r.stdout)
	}
	return body
}

func TestRunPrintsBodiesWithoutBackend(t *testing.T) {
	r := run(t, registry(), nil, "run", "noop", "--target", "127.0.0.1", "--target", "web.example.com", "--log-level", "error")
	if r.code != 0 {
		t.Fatalf("exit %d, stderr %s", r.code, r.stderr)
	}
	lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
	if len(lines) != 1 {
		t.Fatalf("want one body on stdout, got %d lines: %s", len(lines), r.stdout)
	}
	var body map[string]any
	if err := json.Unmarshal([]byte(lines[0]), &body); err != nil {
		t.Fatal(err)
	}
	if body["phase"] != "execution_complete" {
		t.Errorf("phase = %v", body["phase"])
	}
	v := bodyValues(t, body, 0)
	if v["target_ipv4"] != "127.0.0.1" || v["source_ipv4"] != "172.17.0.2" || v["execution_status"] != "success" {
		t.Errorf("values = %v", v)
	}
	if v := bodyValues(t, body, 1); v["target_hostname"] != "web.example.com" {
		t.Errorf("second target values = %v", v)
	}
}

func TestRunDeliversToBackend(t *testing.T) {
	be := newBackend(t, http.StatusOK)
	r := run(t, registry(), nil, "run", "noop", "--inject-id", "inj/1", "--target", "127.0.0.1",
		"--backend-url", be.URL, "--token", "s3cret-token", "--expectation", "DETECTION", "--expectation", "prevention")
	if r.code != 0 {
		t.Fatalf("exit %d, stderr %s", r.code, r.stderr)
	}
	req := be.only(t)
	if req.Method != http.MethodPost || req.Path != "/api/injects/inj%2F1/callback" {
		t.Errorf("%s %s", req.Method, req.Path)
	}
	if req.Header.Get("Authorization") != "Bearer s3cret-token" || req.Header.Get("Content-Type") != "application/json" ||
		req.Header.Get("User-Agent") != "injectkit/1.2.3" {
		t.Errorf("headers = %v", req.Header)
	}
	groups := req.Body["expectation_signature"].(map[string]any)["targets"].([]any)[0].(map[string]any)["signature_values"].([]any)
	if len(groups) != 2 {
		t.Errorf("want 2 expectation groups, got %d", len(groups))
	}
	if r.stdout != "" {
		t.Errorf("stdout should be empty when delivering, got %q", r.stdout)
	}
	if strings.Contains(r.stderr, "s3cret-token") {
		t.Error("token leaked to stderr")
	}
}

func TestRunExitCodes(t *testing.T) {
	be400 := newBackend(t, http.StatusBadRequest)
	ob := filepath.Join(t.TempDir(), "o.db")
	tests := []struct {
		name   string
		args   []string
		code   int
		stderr string
	}{
		{"delivery failure", []string{"run", "noop", "--inject-id", "i", "--target", "127.0.0.1", "--backend-url", be400.URL}, 1, "kept in the dead list of outbox"},
		{"dead body names its outbox and backend", []string{"run", "noop", "--inject-id", "i", "--target", "127.0.0.1", "--backend-url", be400.URL, "--outbox", ob}, 1,
			"(see: injectkit outbox list --outbox " + ob + "; resend with: injectkit outbox retry-dead <id> --outbox " + ob + " --backend-url " + be400.URL + ")"},
		{"delivery failure without outbox", []string{"run", "noop", "--inject-id", "i", "--target", "127.0.0.1", "--backend-url", be400.URL, "--outbox", "none"}, 1, "undelivered signatures"},
		{"hostile target", []string{"run", "noop", "--target", "-oN/etc/passwd"}, 2, `"-oN/etc/passwd"`},
		{"unknown injector", []string{"run", "nope", "--target", "127.0.0.1"}, 2, "known: noop"},
		{"missing inject id with backend", []string{"run", "noop", "--target", "127.0.0.1", "--backend-url", be400.URL}, 2, "inject_id"},
		{"unknown expectation", []string{"run", "noop", "--target", "127.0.0.1", "--expectation", "NOPE"}, 2, `"NOPE"`},
		{"unknown param", []string{"run", "noop", "--target", "127.0.0.1", "--param", "speed=3"}, 2, `invalid param "speed" (value withheld) (--param): unknown parameter`},
		{"bad param value", []string{"run", "noop", "--target", "127.0.0.1", "--param", "outcome=maybe"}, 2, `invalid param "outcome=maybe" (--param): not one of success, partial, failed`},
		{"unknown flag", []string{"run", "noop", "--nope"}, 2, "nope"},
		{"failed tool exits 3 once printed", []string{"run", "noop", "--target", "127.0.0.1", "--param", "outcome=failed"}, 3,
			"WARN\tinject failed; its signatures report the failure"},
		{"partial tool exits 0", []string{"run", "noop", "--target", "127.0.0.1", "--param", "outcome=partial"}, 0, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := run(t, registry(), nil, tt.args...)
			if r.code != tt.code {
				t.Fatalf("exit %d, want %d; stderr: %s", r.code, tt.code, r.stderr)
			}
			if !strings.Contains(r.stderr, tt.stderr) {
				t.Errorf("stderr %q does not mention %q", r.stderr, tt.stderr)
			}
			if tt.code == 2 && r.stdout != "" {
				t.Errorf("exit 2 must send/print nothing, stdout: %s", r.stdout)
			}
		})
	}
}

func TestConfigUnknownKey(t *testing.T) {
	yaml := writeFile(t, "config.yaml", "backend_url: http://127.0.0.1:1\nbakend_token: x\n")
	r := run(t, registry(), nil, "run", "noop", "--target", "127.0.0.1", "--config", yaml)
	if r.code != 2 || !strings.Contains(r.stderr, "bakend_token") {
		t.Errorf("exit %d stderr %q", r.code, r.stderr)
	}
}

func TestBackendURLFromEnv(t *testing.T) {
	be := newBackend(t, http.StatusAccepted)
	r := run(t, registry(), map[string]string{"INJECTKIT_BACKEND_URL": be.URL, "INJECTKIT_TOKEN": "tok"},
		"run", "noop", "--inject-id", "i-env", "--target", "127.0.0.1")
	if r.code != 0 || len(be.got()) != 1 || be.got()[0].Header.Get("Authorization") != "Bearer tok" {
		t.Errorf("exit %d, %d requests; stderr %s", r.code, len(be.got()), r.stderr)
	}
}

func TestPanickingExecutorIsReported(t *testing.T) {
	reg := registry(func(r *framework.Registry) {
		r.Register("crash", func() framework.Executor {
			return &frameworktest.Executor{Run: func(context.Context, *framework.Inject) framework.ToolOutput { panic("kaboom") }}
		})
	})
	r := run(t, reg, nil, "run", "crash", "--target", "127.0.0.1", "--log-level", "error")
	body := printedBody(t, r, cli.ExitFailed)
	if v := bodyValues(t, body, 0); v["execution_status"] != "failed" {
		t.Errorf("values = %v", v)
	}
}

func TestHungExecutorTimesOut(t *testing.T) {
	release := make(chan struct{})
	t.Cleanup(func() { close(release) })
	reg := registry(func(r *framework.Registry) {
		r.Register("hang", func() framework.Executor {
			return &frameworktest.Executor{Run: func(ctx context.Context, cfg *framework.Inject) framework.ToolOutput {
				cfg.Partial("127.0.0.1:22/tcp open ssh")
				<-release
				return framework.ToolOutput{}
			}}
		})
	})
	// The grace period is the runtime's default (5 s): a hung executor costs
	// the test that long, once.
	r := run(t, reg, nil, "run", "hang", "--target", "127.0.0.1", "--timeout", "10ms", "--log-level", "error")
	body := printedBody(t, r, cli.ExitFailed)
	v := bodyValues(t, body, 0)
	if v["execution_status"] != "timeout" {
		t.Errorf("execution_status = %v", v["execution_status"])
	}
	if pr, _ := v["partial_results"].([]any); len(pr) != 1 || pr[0] != "127.0.0.1:22/tcp open ssh" {
		t.Errorf("partial_results = %v", v["partial_results"])
	}
}

func TestInjectorsAndVersion(t *testing.T) {
	r := run(t, registry(), nil, "injectors")
	if r.code != 0 || !strings.Contains(r.stdout, "noop") || !strings.Contains(r.stdout, "outcome") {
		t.Errorf("injectors: exit %d stdout %q", r.code, r.stdout)
	}
	r = run(t, registry(), nil, "version")
	if r.code != 0 || !strings.HasPrefix(r.stdout, "injectkit 1.2.3 (commit unknown, go") {
		t.Errorf("version: exit %d stdout %q", r.code, r.stdout)
	}
	r = run(t, registry(), nil, "run", "--help")
	if !strings.Contains(r.stdout, "EXIT CODES") && !strings.Contains(r.stdout, "0  the signatures were delivered") {
		t.Errorf("run --help does not document exit codes: %q", r.stdout)
	}
	r = run(t, registry(), nil, "serve", "--help")
	if !strings.Contains(r.stdout, "130  a second SIGINT/SIGTERM/SIGHUP") || !strings.Contains(r.stdout, "0  stopped by SIGINT/SIGTERM/SIGHUP") {
		t.Errorf("serve --help does not document exit codes 0 and 130 of SIGINT, SIGTERM and SIGHUP: %q", r.stdout)
	}
}

// serve --help's --workers said the broker prefetch is --workers, where
// --delivery-slots raises it by as many.
func TestServeHelpWorkersNamesTheDeliverySlotsPrefetch(t *testing.T) {
	r := run(t, registry(), nil, "serve", "--help")
	for _, line := range strings.Split(r.stdout, "\n") {
		if strings.Contains(line, "--workers value") {
			if !strings.Contains(line, "plus --delivery-slots") {
				t.Errorf("--workers help does not say the prefetch adds --delivery-slots: %q", line)
			}
			return
		}
	}
	t.Fatalf("serve --help has no --workers line: %q", r.stdout)
}
