package cli_test

import (
	"net/http"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/injectkit/injectkit/cli"
	"github.com/injectkit/injectkit/framework"
	"github.com/injectkit/injectkit/signatures"
	"github.com/injectkit/injectkit/transport"
)

// TestUnknownEnvironmentVariableRefused checks that an INJECTKIT_
// variable no command or injector reads that is a likely slip of one they
// read (a misspelled one, one in lower case, one with a word left out) is
// refused before anything runs, naming it and the name meant, never its
// value; that one another command or an injector reads is allowed, as are
// those of a Kubernetes or Docker link, without a word; and that any other
// unknown one gets a WARN line naming it (never its value) and the
// command runs.
func TestUnknownEnvironmentVariableRefused(t *testing.T) {
	be := newBackend(t, http.StatusAccepted)
	line := []string{"noop", "--target", "10.0.0.1", "--log-level", "error"}
	warned := []string{"noop", "--target", "10.0.0.1", "--log-level", "warn"}
	tests := []struct {
		name string
		env  map[string]string
		args []string
		want string // "" when allowed
		warn string // the names a WARN line gives, when allowed
	}{
		{"misspelled backend URL", map[string]string{"INJECTKIT_BACKEND_ULR": be.URL},
			append([]string{"run", "--inject-id", "i-1"}, line...),
			"unknown environment variable INJECTKIT_BACKEND_ULR (did you mean INJECTKIT_BACKEND_URL?): no injectkit command or injector reads it", ""},
		{"misspelled token, its value not shown", map[string]string{"INJECTKIT_BACKEND_URL": be.URL, "INJECTKIT_TOKN": "s3cret"},
			append([]string{"run", "--inject-id", "i-1"}, line...),
			"unknown environment variable INJECTKIT_TOKN (did you mean INJECTKIT_TOKEN?)", ""},
		{"backend URL in lower case", map[string]string{"injectkit_backend_url": be.URL},
			append([]string{"run", "--inject-id", "i-1"}, line...),
			"unknown environment variable injectkit_backend_url (did you mean INJECTKIT_BACKEND_URL?)", ""},
		{"Shodan key without its API word", map[string]string{"INJECTKIT_SHODAN_KEY": "s3cret"}, append([]string{"run"}, line...),
			"unknown environment variable INJECTKIT_SHODAN_KEY (did you mean INJECTKIT_SHODAN_API_KEY?)", ""},
		{"an injector's setting in its config key's form", map[string]string{"INJECTKIT_QUERY_SHODAN_BASE_URL": "http://127.0.0.1:1"},
			append([]string{"run"}, line...),
			"unknown environment variable INJECTKIT_QUERY_SHODAN_BASE_URL (did you mean INJECTKIT_SHODAN_BASE_URL?)", ""},
		{"serve, an injector's setting in its config key's form, lower case", map[string]string{"injectkit_query_shodan_api_key": "s3cret"},
			[]string{"serve", "--openaev-url", "http://127.0.0.1:1", "--token", "t", "--injector-id", "5b8c6a8e-1f0e-4c39-9a57-0d3c1b2a4f10"},
			"unknown environment variable injectkit_query_shodan_api_key (did you mean INJECTKIT_SHODAN_API_KEY?)", ""},
		{"validate", map[string]string{"INJECTKIT_TAGRET": "10.0.0.2"}, append([]string{"validate"}, line...),
			"INJECTKIT_TAGRET (did you mean INJECTKIT_TARGET?)", ""},
		{"outbox list", map[string]string{"INJECTKIT_OUTBOKS": "none"}, []string{"outbox", "list"},
			"INJECTKIT_OUTBOKS (did you mean INJECTKIT_OUTBOX?)", ""},
		{"two slips", map[string]string{"INJECTKIT_TAGRET": "10.0.0.2", "INJECTKIT_TIMOUT": "1s"}, append([]string{"run"}, line...),
			"unknown environment variables INJECTKIT_TAGRET (did you mean INJECTKIT_TARGET?), INJECTKIT_TIMOUT (did you mean INJECTKIT_TIMEOUT?): " +
				"no injectkit command or injector reads them", ""},
		{"a slip and one unlike any", map[string]string{"INJECTKIT_ZZZ_QQQ": "1", "INJECTKIT_TIMOUT": "1s"}, append([]string{"run"}, line...),
			"unknown environment variable INJECTKIT_TIMOUT (did you mean INJECTKIT_TIMEOUT?): no injectkit command or injector reads it;", ""},
		// t104: an injector's param in a variable's form is ignored
		// no more than the config file's key (query.max_results).
		{"an injector's param in a variable's form", map[string]string{"INJECTKIT_QUERY_MAX_RESULTS": "5"},
			append([]string{"run"}, line...),
			"unknown environment variable INJECTKIT_QUERY_MAX_RESULTS; max_results is a param of query, given per inject, not in a variable of its own: " +
				"--param max_results=VALUE (in the environment: INJECTKIT_PARAM=max_results=VALUE), or the inject file's params", ""},
		{"validate, an injector's param in a variable's form, lower case", map[string]string{"injectkit_query_provider": "shodan"},
			append([]string{"validate"}, line...), "unknown environment variable injectkit_query_provider; provider is a param of query", ""},
		{"a variable naming an injector and no param", map[string]string{"INJECTKIT_QUERY_ZZZ_QQQ": "1"},
			append([]string{"run"}, warned...), "", `"names": ["INJECTKIT_QUERY_ZZZ_QQQ"]`},
		{"serve's variable seen by run", map[string]string{"INJECTKIT_WORKERS": "8", "INJECTKIT_OPENAEV_URL": "http://127.0.0.1:1"},
			append([]string{"run"}, warned...), "", ""},
		{"an injector's variable", map[string]string{"INJECTKIT_SHODAN_API_KEY": "k", "INJECTKIT_QUERY_REQUEST_TIMEOUT": "5s"},
			append([]string{"run"}, warned...), "", ""},
		{"the config file's variable", map[string]string{"INJECTKIT_CONFIG": writeFile(t, "c.yaml", "log_level: warn\n")},
			append([]string{"run"}, line[:3]...), "", ""},
		{"another prefix", map[string]string{"INJECTKITX": "1", "XINJECTKIT_FOO": "1"}, append([]string{"run"}, warned...), "", ""},
		{"a Kubernetes service's", serviceLinks(), append([]string{"run"}, warned...), "", ""},
		{"a Docker link's", map[string]string{"INJECTKIT_NAME": "/web/injectkit", "INJECTKIT_PORT": "tcp://10.0.0.9:9464",
			"INJECTKIT_PORT_9464_TCP_ADDR": "10.0.0.9", "INJECTKIT_ENV_INJECTKIT_TOKEN": "s3cret"}, append([]string{"run"}, warned...), "", ""},
		{"a Dockerfile's", map[string]string{"INJECTKIT_VERSION": "s3cret", "INJECTKIT_HOME": "/opt/injectkit"},
			append([]string{"run"}, warned...), "", `"names": ["INJECTKIT_HOME", "INJECTKIT_VERSION"]`},
		{"a port without its service's host", map[string]string{"INJECTKIT_PORT": "tcp://10.0.0.9:9464"},
			append([]string{"validate"}, warned...), "", `"names": ["INJECTKIT_PORT"]`},
		{"injectors", map[string]string{"INJECTKIT_ZZZ_QQQ": "s3cret"}, []string{"injectors"}, "", `"names": ["INJECTKIT_ZZZ_QQQ"]`},
		// A name as long as the environment allows is cut as an error
		// quotes a value (a 3 000-byte name made a 3 135-byte line).
		{"a long name unlike any", map[string]string{"INJECTKIT_" + strings.Repeat("Q", 3000): "s3cret"},
			append([]string{"run"}, warned...), "", `"names": ["INJECTKIT_` + strings.Repeat("Q", signatures.MaxQuoted-len("INJECTKIT_")) + `…"]`},
		{"outbox list, a lower case name unlike any", map[string]string{"injectkit_zzz": "s3cret", "INJECTKIT_OUTBOX": filepath.Join(t.TempDir(), "o.db")},
			[]string{"outbox", "list"}, "", `"names": ["injectkit_zzz"]`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := run(t, registry(withQuery), tt.env, tt.args...)
			if strings.Contains(r.stderr, "s3cret") || strings.Contains(r.stdout, "s3cret") {
				t.Errorf("the value shown:\nstdout %q\nstderr %s", r.stdout, r.stderr)
			}
			if tt.want != "" {
				checkRefused(t, r, tt.want)
				return
			}
			if r.code != 0 {
				t.Fatalf("exit %d, want 0:\n%s", r.code, r.stderr)
			}
			if tt.warn == "" {
				if strings.Contains(r.stderr, "environment variable") {
					t.Errorf("stderr names an environment variable:\n%s", r.stderr)
				}
				return
			}
			const msg = "WARN\tunknown environment variable"
			if n := strings.Count(r.stderr, msg); n != 1 || !strings.Contains(r.stderr, "ignored: no injectkit command or injector reads") ||
				!strings.Contains(r.stderr, tt.warn) {
				t.Errorf("%d lines %q, want one naming %s:\n%s", n, msg, tt.warn, r.stderr)
			}
		})
	}
	if n := len(be.got()); n != 0 {
		t.Errorf("%d requests sent, want none", n)
	}
}

// panicManifest is an injector whose Manifest panics: broken.
type panicManifest struct{ badManifest }

func (*panicManifest) Manifest() framework.Manifest { panic("manifest bug") }

// An INJECTKIT_ variable of an injector whose manifest is bad is never
// called unknown: one framework.ValidateManifest refuses still names its
// settings, and the command says its manifest is invalid (exit 2); one
// whose Manifest panics cannot, and the command says so (exit 3), naming
// the injector, the variable only as maybe one of its settings.
func TestEnvOfBadManifestNotUnknown(t *testing.T) {
	d := framework.Detection
	invalid := framework.Manifest{Name: "bad", Category: framework.Network, Expectations: []framework.ExpectationType{d, d},
		Settings: []framework.Setting{{Key: "level", Env: "INJECTKIT_BAD_LEVEL"}}}
	invalidMsg := `injector bad has an invalid manifest: invalid bad.expectations "DETECTION": declared twice`
	panicMsg := "injector bad: Manifest panicked: manifest bug"
	lines := map[string][]string{
		"run":       {"run", "bad", "--target", "127.0.0.1", "--log-level", "error"},
		"validate":  {"validate", "bad", "--target", "127.0.0.1", "--log-level", "error"},
		"injectors": {"injectors", "bad"},
	}
	tests := []struct {
		name     string
		executor func(ran *atomic.Int32) framework.Executor
		code     int
		want     string
	}{
		{"invalid manifest", func(ran *atomic.Int32) framework.Executor { return &badManifest{m: invalid, ran: ran} }, cli.ExitUsage, invalidMsg},
		{"Manifest panics", func(ran *atomic.Int32) framework.Executor { return &panicManifest{badManifest{ran: ran}} }, cli.ExitFailed, panicMsg},
	}
	for _, tt := range tests {
		for cmd, args := range lines {
			t.Run(tt.name+"/"+cmd, func(t *testing.T) {
				var ran atomic.Int32
				reg := registry(func(r *framework.Registry) {
					r.Register("bad", func() framework.Executor { return tt.executor(&ran) })
				})
				r := run(t, reg, map[string]string{"INJECTKIT_BAD_LEVEL": "high"}, args...)
				if r.code != tt.code || !strings.Contains(r.stderr, tt.want) || strings.Contains(r.stderr, "unset or rename") {
					t.Errorf("exit %d, want %d saying %s, never unknown:\n%s", r.code, tt.code, tt.want, r.stderr)
				}
				if ran.Load() != 0 {
					t.Error("the injector ran")
				}
			})
		}
	} // Another injector's run: a slip may be the broken one's setting.
	reg := registry(func(r *framework.Registry) {
		r.Register("bad", func() framework.Executor { return &panicManifest{} })
	})
	r := run(t, reg, map[string]string{"INJECTKIT_TOKN": "x"}, "run", "noop", "--target", "127.0.0.1")
	want := panicMsg + "; INJECTKIT_TOKN (did you mean INJECTKIT_TOKEN?)"
	maybe := ", which no injectkit command or other injector reads, may be one of its settings"
	if r.code != cli.ExitFailed || !strings.Contains(r.stderr, want) || !strings.Contains(r.stderr, maybe) || r.stdout != "" {
		t.Errorf("run noop: exit %d, want %d saying %s, nothing printed:\n%s%s", r.code, cli.ExitFailed, want, r.stdout, r.stderr)
	}
	// One that is no slip is only warned of: noop runs.
	r = run(t, reg, map[string]string{"INJECTKIT_BAD_LEVEL": "high"}, "run", "noop", "--target", "127.0.0.1")
	if r.code != 0 || r.stdout == "" {
		t.Errorf("run noop: exit %d, want 0 and the signatures printed:\n%s", r.code, r.stderr)
	}
}

// serviceLinks are the variables Kubernetes gives every pod of the
// namespace of a Service named injectkit exposing port 9464, named
// metrics.
func serviceLinks() map[string]string {
	return map[string]string{"INJECTKIT_SERVICE_HOST": "10.96.12.7", "INJECTKIT_SERVICE_PORT": "9464",
		"INJECTKIT_SERVICE_PORT_METRICS": "9464", "INJECTKIT_PORT": "tcp://10.96.12.7:9464",
		"INJECTKIT_PORT_9464_TCP": "tcp://10.96.12.7:9464", "INJECTKIT_PORT_9464_TCP_PROTO": "tcp",
		"INJECTKIT_PORT_9464_TCP_PORT": "9464", "INJECTKIT_PORT_9464_TCP_ADDR": "10.96.12.7"}
}

// TestServeIgnoresServiceLinks checks that serve, in a pod given the
// variables of a Service named injectkit (and a Dockerfile's
// INJECTKIT_VERSION), gets past the environment check: it starts (its
// logger warns of INJECTKIT_VERSION alone) and stops only at the outbox
// it is given, a file that is no outbox.
func TestServeIgnoresServiceLinks(t *testing.T) {
	env := serviceLinks()
	env["INJECTKIT_OPENAEV_URL"] = "http://127.0.0.1:1"
	env["INJECTKIT_TOKEN"] = "s3cret"
	env["INJECTKIT_INJECTOR_ID"] = "5b8c6a8e-1f0e-4c39-9a57-0d3c1b2a4f10"
	env["INJECTKIT_LISTEN_ADDR"] = "127.0.0.1:0"
	env["INJECTKIT_VERSION"] = "1.0"
	env["INJECTKIT_OUTBOX"] = writeFile(t, "not-an-outbox.db", strings.Repeat("not an outbox\n", 1000))
	r := run(t, registry(withQuery), env, "serve", "--injectors", "noop")
	if r.code != 2 || !strings.Contains(r.stderr, "injectkit: outbox "+env["INJECTKIT_OUTBOX"]) {
		t.Fatalf("exit %d, want 2 for the outbox, no outbox:\n%s", r.code, r.stderr)
	}
	if n := strings.Count(r.stderr, "environment variable"); n != 1 || !strings.Contains(r.stderr, `"names": ["INJECTKIT_VERSION"]`) {
		t.Errorf("want one WARN line naming INJECTKIT_VERSION alone:\n%s", r.stderr)
	}
}

// Values from an environment file (Docker's --env-file keeps trailing
// spaces, a Kubernetes Secret a trailing newline) are read without the
// white space around them, as the token always was: the inject id is the
// one the platform knows, in the path and the idempotency key, and the
// URLs are used, not refused.
func TestEnvFileValuesReadWithoutWhiteSpace(t *testing.T) {
	be := newBackend(t, http.StatusOK)
	env := map[string]string{"INJECTKIT_INJECT_ID": "sp2 ", "INJECTKIT_BACKEND_URL": be.URL + "\n", "INJECTKIT_TOKEN": "tok\n",
		"INJECTKIT_OUTPUT": "JSON\n", "INJECTKIT_PROFILE": "Callback ", "INJECTKIT_LOG_FORMAT": "Json", "INJECTKIT_LOG_LEVEL": "ERROR\r\n",
		"INJECTKIT_MAX_TARGETS": "10\n", "INJECTKIT_PHASE_ANY": "false ", "INJECTKIT_OUTBOX": filepath.Join(t.TempDir(), "ob.db") + "\n"}
	r := run(t, registry(), env, "run", "noop", "--target", "127.0.0.1")
	if r.code != 0 {
		t.Fatalf("exit %d, want 0\n%s", r.code, r.stderr)
	}
	req := be.only(t)
	if req.Path != "/api/injects/sp2/callback" || !strings.HasPrefix(req.Header.Get(transport.IdempotencyHeader), "sp2:") ||
		req.Header.Get("Authorization") != "Bearer tok" {
		t.Errorf("sent %s with %s %q, Authorization %q; want the inject id and token without white space",
			req.Path, transport.IdempotencyHeader, req.Header.Get(transport.IdempotencyHeader), req.Header.Get("Authorization"))
	}
	if matches, _ := filepath.Glob(filepath.Join(filepath.Dir(strings.TrimSpace(env["INJECTKIT_OUTBOX"])), "*")); len(matches) != 1 ||
		filepath.Base(matches[0]) != "ob.db" {
		t.Errorf("outbox files %q, want ob.db", matches)
	}
}
