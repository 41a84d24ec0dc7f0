package cli_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"go.uber.org/zap"

	"github.com/injectkit/injectkit/framework"
	"github.com/injectkit/injectkit/internal/testkit"
	"github.com/injectkit/injectkit/openaev"
	"github.com/injectkit/injectkit/openaev/openaevtest"
	"github.com/injectkit/injectkit/serve/servetest"
)

// leakySecret is the Secret setting of leaky: characters that URL, JSON
// and HTML escaping each change.
const leakySecret = `Top"Secret&Value/42+=`

// leaky is an injector with a Secret setting that puts it, in every form
// (raw, base64, URL-escaped, JSON-escaped), in whatever its mode makes it
// return: a panic of Execute or of Configure, its error message, its
// findings and extras, its partial results.
type leaky struct {
	mode   string
	secret string
}

func (*leaky) Manifest() framework.Manifest {
	return framework.Manifest{Name: "leaky", Category: framework.Network,
		Expectations: []framework.ExpectationType{framework.Detection},
		Outputs:      []framework.Output{{Type: "text", Field: "summary"}},
		Settings:     []framework.Setting{{Key: "secret", Env: "LEAKY_SECRET", Secret: true, Doc: "a secret"}}}
}

func (l *leaky) Configure(s map[string]string) error {
	l.secret = s["secret"]
	if l.mode == "configure panic" {
		panic("configure boom secret=" + l.secret)
	}
	return nil
}

// forms is the secret in each form a message may quote it.
func (l *leaky) forms() string {
	quoted, _ := json.Marshal(l.secret)
	return fmt.Sprintf("raw=%s b64=%s url=%s json=%s", l.secret, base64.StdEncoding.EncodeToString([]byte(l.secret)),
		url.QueryEscape(l.secret), quoted)
}

func (l *leaky) Execute(ctx context.Context, in *framework.Inject) framework.ToolOutput {
	switch l.mode {
	case "panic":
		panic("boom " + l.forms())
	case "timeout":
		in.Partial("127.0.0.1 " + l.forms())
		<-ctx.Done()
		return framework.ToolOutput{Status: framework.StatusTimeout}
	}
	cycle := map[string]any{"s": l.secret} // JSON cannot encode it: left out, the run failed
	cycle["self"] = cycle
	return framework.ToolOutput{Status: framework.StatusFailed,
		ErrorInfo: &framework.ErrorInfo{ExitCode: 1, Message: "failed: " + l.forms()},
		Findings:  map[string]any{"summary": "found " + l.forms(), l.secret: []any{map[string]any{"k": l.forms()}}},
		ExtraSignatures: map[string]any{"leaky_note": []string{l.forms()}, "leaky_struct": struct{ S string }{l.secret},
			"leaky_cycle": cycle},
		ExtraByType:  framework.TypeExtras{framework.Detection: {"leaky_type": l.forms()}},
		TargetExtras: map[framework.Target]framework.TypeExtras{in.Targets[0]: {framework.Detection: {"leaky_target": l.forms()}}}}
}

func withLeaky(mode string) func(*framework.Registry) {
	return func(r *framework.Registry) {
		r.Register("leaky", func() framework.Executor { return &leaky{mode: mode} })
	}
}

// leaks reports whether s shows the secret in any form: raw, \u-escaped,
// JSON-escaped, URL-escaped, or three bytes of it in base64.
func leaks(s, secret string) bool {
	if showsToken(s, secret) {
		return true
	}
	unquoted := regexp.MustCompile(`\\+u[0-9a-fA-F]{4}`).ReplaceAllStringFunc(s, func(e string) string {
		var r rune
		_, _ = fmt.Sscanf(e[len(e)-4:], "%x", &r)
		return string(r)
	})
	unquoted = strings.NewReplacer(`\"`, `"`, `\\`, `\`, `\/`, `/`).Replace(unquoted)
	if strings.Contains(unquoted, secret) {
		return true
	}
	for _, word := range strings.FieldsFunc(unquoted, func(r rune) bool { return r == ' ' || r == ',' || r == '"' }) {
		if u, err := url.QueryUnescape(word); err == nil && strings.Contains(u, secret) {
			return true
		}
	}
	return false
}

// A Secret setting never leaves the process, whatever carries it out of
// the executor (a panic of Execute or Configure, its error message, its
// findings and extras, its partial results) and in whichever form (raw,
// base64, URL- or JSON-escaped): not in the callback profile's bodies on
// the wire, nor the openaev profile's (reception, traces, terminal
// callback), nor stdout (-o json, -o text), nor the bodies the outbox
// keeps and resends; each holds [REDACTED] where it stood.
func TestSecretSettingNeverLeavesTheProcess(t *testing.T) {
	env := map[string]string{"LEAKY_SECRET": leakySecret}
	for _, mode := range []string{"panic", "configure panic", "output", "timeout"} {
		reg := registry(withLeaky(mode))
		line := []string{"run", "leaky", "--target", "127.0.0.1", "--timeout", "1ms"}
		// check fails t when s shows the secret, or, if redacted, holds no
		// [REDACTED] (the callback profile sends no message).
		check := func(t *testing.T, where, s string, redacted bool) {
			t.Helper()
			if leaks(s, leakySecret) {
				t.Errorf("%s shows the secret:\n%s", where, s)
			}
			if redacted && !strings.Contains(s, "[REDACTED]") {
				t.Errorf("%s holds no [REDACTED]:\n%s", where, s)
			}
		}
		// Extras and findings go in the callback profile's bodies too.
		inBodies := mode == "output"
		t.Run(mode+"/callback profile", func(t *testing.T) {
			be := newBackend(t, http.StatusOK)
			r := run(t, reg, env, append(line, "--inject-id", "inj-leak", "--backend-url", be.URL, "--outbox", "none")...)
			if len(be.Requests()) == 0 {
				t.Fatalf("exit %d, %d requests:\n%s", r.code, len(be.Requests()), r.stderr)
			}
			var all strings.Builder
			for _, req := range be.Requests() {
				all.Write(req.Body)
			}
			check(t, "the callback bodies", all.String(), inBodies)
		})
		t.Run(mode+"/openaev profile", func(t *testing.T) {
			p := openaevtest.NewPlatform(t, platformToken)
			registered(t, p, platformToken, reg)
			p.AddInject("inj-leak", openaev.ContractID("leaky"))
			r := run(t, reg, env, append(line, "--profile", "openaev", "--inject-id", "inj-leak", "--backend-url", p.URL,
				"--token", platformToken, "--outbox", "none")...)
			calls := p.Calls("inj-leak")
			if len(calls) < 2 {
				t.Fatalf("exit %d, calls %s:\n%s", r.code, callKinds(calls), r.stderr)
			}
			all := callBodies(calls)
			check(t, "the platform's calls", all, true)
		})
		for _, format := range []string{"json", "text"} {
			t.Run(mode+"/stdout "+format, func(t *testing.T) {
				r := run(t, reg, env, append(line, "-o", format, "--log-level", "error")...)
				if r.stdout == "" {
					t.Fatalf("exit %d, nothing printed:\n%s", r.code, r.stderr)
				}
				check(t, "stdout", r.stdout, inBodies || format == "text")
			})
		}
		t.Run(mode+"/outbox", func(t *testing.T) {
			be := newSwitchable(t, http.StatusBadRequest)
			db := filepath.Join(t.TempDir(), "outbox.db")
			oenv := map[string]string{"LEAKY_SECRET": leakySecret, "INJECTKIT_OUTBOX": db}
			if r := run(t, reg, oenv, append(line, "--inject-id", "inj-leak", "--backend-url", be.URL, "--log-level", "error")...); !strings.Contains(r.stderr, "dead list") {
				t.Fatalf("exit %d, want the body kept in the dead list:\n%s", r.code, r.stderr)
			}
			raw, err := os.ReadFile(db)
			if err != nil {
				t.Fatal(err)
			}
			if leaks(string(raw), leakySecret) {
				t.Error("the outbox file holds the secret")
			}
			l := run(t, reg, oenv, "outbox", "list")
			id := regexp.MustCompile(`(?m)^(\d+)\s+dead`).FindStringSubmatch(l.stdout)
			if id == nil {
				t.Fatalf("no dead body in\n%s", l.stdout)
			}
			be.set(http.StatusOK)
			if rd := run(t, reg, oenv, "outbox", "retry-dead", id[1], "--backend-url", be.URL, "--log-level", "error"); rd.code != 0 {
				t.Fatalf("retry-dead: exit %d\n%s", rd.code, rd.stderr)
			}
			reqs := be.got()
			check(t, "the body the outbox kept and resent", string(reqs[len(reqs)-1].Body), inBodies)
		})
	}
}

// A secret setting of an injector (query's Shodan key) holding a control
// character is refused, exit 2, naming where it was given, as the token
// is, and never its value, by run, validate and serve.
func TestSecretSettingControlCharacter(t *testing.T) {
	conf := writeFile(t, "c.yaml", "query.shodan_api_key: \"sekrit\\u0001key\"\n")
	run1 := []string{"run", "query", "--query", "apache", "--inject-id", "inj-key", "--outbox", "none"}
	serve := []string{"--openaev-url", "http://127.0.0.1:1", "--token", "t", "--injector-id", "00000000-0000-4000-8000-000000000001",
		"--injectors", "query", "--listen-addr", "", "--outbox", "none"}
	const fromEnv = `invalid query.shodan_api_key (secret) (env INJECTKIT_SHODAN_API_KEY): `
	tests := []refusal{
		{"run env, a line break", map[string]string{"INJECTKIT_SHODAN_API_KEY": "sekrit\nkey"}, run1, fromEnv + "holds a control character"},
		{"run openaev env", map[string]string{"INJECTKIT_SHODAN_API_KEY": "sekrit\x7fkey"}, append(run1, "--profile", "openaev"),
			fromEnv + "holds a control character"},
		{"run config file", nil, append(run1, "--config", conf),
			`invalid query.shodan_api_key (secret) (config file ` + conf + `:1): holds a control character`},
		{"validate env", map[string]string{"INJECTKIT_SHODAN_API_KEY": "sekrit\x01key"}, []string{"validate", "query", "--query", "apache"},
			fromEnv + "holds a control character"},
		{"serve env", map[string]string{"INJECTKIT_SHODAN_API_KEY": "sekrit\x01key"}, serve, fromEnv + "holds a control character"},
		{"serve config file", nil, append(serve, "--config", conf),
			`invalid query.shodan_api_key (secret) (config file ` + conf + `:1): holds a control character`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := map[string]string{"INJECTKIT_SHODAN_BASE_URL": "http://127.0.0.1:9"} // never Shodan's, were the key taken
			for k, v := range tt.env {
				env[k] = v
			}
			var r result
			if tt.args[0] == "run" || tt.args[0] == "validate" {
				r = run(t, registry(withQuery), env, tt.args...)
			} else { // serve, which runs on were the key taken
				d := serveWith(t, registry(withQuery), env, tt.args...)
				waitUntil(t, "serve to exit", func() bool { return strings.Contains(d.stderr.String(), "injectkit: ") })
				r.code, r.stderr = d.Stop(t), d.stderr.String()
			}
			if r.code != 2 || !strings.Contains(r.stderr, tt.want) {
				t.Errorf("exit %d, stderr:\n%s\nwant exit 2 saying %q", r.code, r.stderr, tt.want)
			}
			checkNotShown(t, r, "sekrit")
		})
	}
}

// otherKey is keyed's Secret setting in the redaction tests: a secret of
// another injector than the one that leaks it.
const otherKey = "keyed-api-key-0123456789"

// serveLeaky leaks the platform's token and another injector's secret in every
// way an executor's words reach serve's log: its error message (raw, in
// base64, URL-encoded, and one cut by the log line across the token), a
// line of its own logger, and a panic; its Configure panics quoting them
// when its level is "panic".
type serveLeaky struct{}

func (serveLeaky) Manifest() framework.Manifest {
	return framework.Manifest{Name: "leaky", Category: framework.Network, Settings: []framework.Setting{
		{Key: "level", Env: "LEAKY_LEVEL", Doc: "a level"},
	}}
}

func (serveLeaky) Configure(s map[string]string) error {
	if s["level"] == "panic" {
		panic("configure saw " + serveToken + " and " + otherKey)
	}
	return nil
}

// leakyRegistry holds serveLeaky as "leaky" and keyedSettings as "keyed".
func leakyRegistry() *framework.Registry {
	return registry(func(r *framework.Registry) {
		r.Register("leaky", func() framework.Executor { return serveLeaky{} })
		r.Register("keyed", func() framework.Executor { return keyedSettings{} })
	})
}

func (serveLeaky) Execute(_ context.Context, in *framework.Inject) framework.ToolOutput {
	in.Logger().Info("leaking", zap.String("token", serveToken), zap.String("key", otherKey))
	switch in.ID {
	case "l-panic":
		panic("execute saw " + serveToken + " and " + otherKey)
	case "l-cut":
		// The log line's cut (runtime.MaxLoggedMessage) falls inside the token.
		msg := strings.Repeat("x", 8<<10-8) + serveToken
		return framework.ToolOutput{Status: framework.StatusFailed, ErrorInfo: &framework.ErrorInfo{ExitCode: 1, Message: msg}}
	}
	msg := "token " + serveToken + " b64 " + base64.StdEncoding.EncodeToString([]byte(serveToken)) +
		" url " + url.QueryEscape("?"+serveToken+"&") + " key " + otherKey
	return framework.ToolOutput{Status: framework.StatusFailed, ErrorInfo: &framework.ErrorInfo{ExitCode: 1, Message: msg}}
}

// checkNoSecrets fails when text shows the token or the key, or a piece of
// either (the start of one cut), in any of the forms serveLeaky gives them.
func checkNoSecrets(t *testing.T, text string) {
	t.Helper()
	for _, s := range []string{serveToken, otherKey} {
		for _, form := range []string{s[:10], base64.StdEncoding.EncodeToString([]byte(s))[:12], url.QueryEscape(s)} {
			for line := range strings.Lines(text) {
				if strings.Contains(line, form) {
					t.Errorf("%q (of %q) in serve's stderr: %.300s", form, s, line)
				}
			}
		}
	}
}

// serve's log redacts the platform's token and the injectors' Secret
// settings as run's does: from what an executor says (its message, also
// when cut to fit the line, its logger, its panic) and from a Configure
// panic refusing the start.
func TestServeRedactsSecretsFromItsLog(t *testing.T) {
	reg := leakyRegistry()
	env := map[string]string{"KEYED_API_KEY": otherKey, "LEAKY_LEVEL": "panic"}
	served := run(t, reg, env, "serve", "--openaev-url", "http://127.0.0.1:1", "--token", serveToken,
		"--injector-id", injectorID, "--listen-addr", "", "--injectors", "leaky")
	if served.code != 2 || !strings.Contains(served.stderr, "Configure panicked") {
		t.Errorf("serve: exit %d, want 2 naming the panic:\n%s", served.code, served.stderr)
	}
	checkNoSecrets(t, served.stderr)
}

func TestIntegrationServeRedactsSecretsFromItsLog(t *testing.T) {
	testkit.Integration(t) // and RabbitMQ
	reg := leakyRegistry()
	p := openaevtest.NewPlatform(t, serveToken)
	queue := servetest.PlatformQueue(t, p)
	ids := []string{"l-msg", "l-cut", "l-panic"}
	var msgs [][]byte
	for _, id := range ids {
		p.AddInject(id, openaev.ContractID("leaky"))
		msgs = append(msgs, openaevtest.Message(openaevtest.QueuedInject{ID: id, ContractID: openaev.ContractID("leaky"),
			Content: map[string]any{"target_selector": "manual", "targets": "127.0.0.1"}}))
	}
	servetest.Publish(t, queue, msgs...)
	d := serveWith(t, reg, map[string]string{"KEYED_API_KEY": otherKey}, "--openaev-url", p.URL,
		"--token", serveToken, "--injector-id", injectorID, "--listen-addr", "", "--log-format", "json",
		"--injectors", "leaky", "--outbox", "none")
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	for _, id := range ids {
		if _, err := p.WaitTerminal(ctx, id); err != nil {
			t.Fatalf("%s: no terminal callback: %v\n%s", id, err, d.stderr)
		}
	}
	waitUntil(t, "every callback delivered", func() bool {
		return len(jsonLogs(d.stderr.String(), "delivered")) == len(ids)
	})
	if code := d.Stop(t); code != 0 {
		t.Errorf("exit %d, want 0", code)
	}
	got := d.stderr.String()
	if !strings.Contains(got, "[REDACTED]") || !strings.Contains(got, "bytes cut") {
		t.Errorf("no line redacted, or no message cut:\n%s", got)
	}
	checkNoSecrets(t, got)
}
