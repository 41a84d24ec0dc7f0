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

	"github.com/injectkit/injectkit/framework"
	"github.com/injectkit/injectkit/openaev"
	"github.com/injectkit/injectkit/openaev/openaevtest"
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
			var all strings.Builder
			for _, c := range calls {
				b, _ := json.Marshal(c.Body)
				all.Write(b)
			}
			check(t, "the platform's calls", all.String(), true)
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
