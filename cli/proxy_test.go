package cli_test

import (
	"net/http"
	"path/filepath"
	"strings"
	"testing"

	"github.com/injectkit/injectkit/cli"
	"github.com/injectkit/injectkit/openaev"
	"github.com/injectkit/injectkit/openaev/openaevtest"
)

// A proxy variable net/http cannot parse (it ignores it and sends every
// request direct, past the proxy), or reads again with http:// before it
// (it sends every request, token and all, to a proxy named "http"),
// exits 2 before anything is sent, naming the variable and its value,
// its user information masked: run (both profiles, a platform message),
// validate, outbox flush and serve.
func TestMalformedProxyEnvIsRefused(t *testing.T) {
	const bad = "http://u:Proxy%zzPass@127.0.0.1:47309"
	for _, v := range []struct{ value, shown string }{
		{bad, `"http://REDACTED@127.0.0.1:47309"`},
		{"http://127.0.0.1:19614 ", `"http://127.0.0.1:19614 "`},
		{"http://proxy:port", `"http://proxy:REDACTED"`},
		{"http://u:S3cr3tProxy96@127.0.0.1:19614 x", `"(unparsable URL)"`},
		{"http://u:S3cr3tProxy96@[::1", `"http://REDACTED@[::1"`},
		{"http://S3cr3tProxy96@proxy:%zz", `"http://REDACTED@proxy:REDACTED"`},
		{"http://u:S3cr3tProxy96", `"http://u:REDACTED"`},
		{"http://alice:1234/S3cr3tProxy96@proxy.corp.example:3128", `"http://REDACTED@proxy.corp.example:3128"`},
	} {
		t.Run(v.value, func(t *testing.T) { proxyEnvRefused(t, v.value, v.shown) })
	}
}

func proxyEnvRefused(t *testing.T, bad, shown string) {
	be := newBackend(t, 200)
	p := openaevtest.NewPlatform(t, serveToken)
	p.AddInject("inj-px", openaev.ContractID("noop"))
	msg := oneAssetMessage(t, "inj-px", openaev.ContractID("noop"))
	run1 := []string{"run", "noop", "--target", "192.0.2.1", "--inject-id", "inj-px", "--backend-url", be.URL}
	tests := []struct {
		name, variable string
		args           []string
	}{
		{"run", "HTTPS_PROXY", run1},
		{"run, lower case", "https_proxy", run1},
		{"run, http proxy", "HTTP_PROXY", run1},
		{"validate", "HTTPS_PROXY", append([]string{"validate"}, run1[1:]...)},
		{"run, openaev profile", "HTTPS_PROXY", append(run1[:len(run1):len(run1)], "--profile", "openaev")},
		{"run, openaev message", "HTTPS_PROXY", []string{"run", "noop", "--openaev-message", msg, "--backend-url", p.URL}},
		{"outbox flush", "HTTPS_PROXY", []string{"outbox", "flush", "--backend-url", be.URL}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env, _ := outboxEnv(t)
			env[tt.variable] = bad
			r := run(t, registry(), env, tt.args...)
			want := `invalid ` + tt.variable + ` ` + shown + ` (env ` + tt.variable + `)`
			if r.code != cli.ExitUsage || !strings.Contains(r.stderr, want) || strings.Contains(r.stderr, "Pass") ||
				strings.Contains(r.stderr, "S3cr3t") {
				t.Errorf("exit %d, stderr %q; want %d and %q, the password masked", r.code, r.stderr, cli.ExitUsage, want)
			}
			if len(be.got()) != 0 || len(p.Calls("inj-px")) != 0 {
				t.Errorf("sent %d callbacks and %d platform calls past the proxy", len(be.got()), len(p.Calls("inj-px")))
			}
		})
	}
	t.Run("serve", func(t *testing.T) {
		stderr, stop := serveRun(t, map[string]string{"HTTPS_PROXY": bad}, "--openaev-url", p.URL, "--token", serveToken,
			"--injector-id", injectorID, "--listen-addr", "")
		waitUntil(t, "serve to exit", func() bool { return strings.Contains(stderr.String(), "injectkit: ") })
		if code := stop(); code != cli.ExitUsage || !strings.Contains(stderr.String(), `invalid HTTPS_PROXY `+shown) {
			t.Errorf("exit %d, stderr %q; want 2 naming HTTPS_PROXY", code, stderr)
		}
		if n := len(p.AllCalls()); n != 0 {
			t.Errorf("%d platform calls", n)
		}
	})
}

// A 407 is a proxy in between refusing its own credentials (the proxy
// setting's), not the backend refusing the body: the body stays pending,
// not in the dead list, the error names the proxy, and a flush once the
// proxy lets it through delivers it.
func TestProxyRefusalKeepsTheBodyPending(t *testing.T) {
	be := newSwitchable(t, http.StatusProxyAuthRequired)
	box := filepath.Join(t.TempDir(), "outbox.db")
	env := map[string]string{"INJECTKIT_OUTBOX": box, "INJECTKIT_TOKEN": "tok"}
	r := run(t, registry(), env, "run", "noop", "--inject-id", "inj-407", "--target", "127.0.0.1", "--backend-url", be.URL, "--log-level", "error")
	want := "delivery failed: the proxy refused its credentials (407), the backend was not reached; 1 signature body stored in outbox " + box +
		" (flush once HTTPS_PROXY or HTTP_PROXY holds the proxy's credentials: "
	if r.code != 1 || !strings.Contains(r.stderr, want) || strings.Contains(r.stderr, "rejected") || strings.Contains(r.stderr, "dead list") {
		t.Fatalf("exit %d, want 1 and %q:\n%s", r.code, want, r.stderr)
	}
	if n := len(be.got()); n != 1 {
		t.Errorf("%d attempts, want 1: the same credentials meet the same refusal", n)
	}
	l := run(t, registry(), env, "outbox", "list", "-o", "json")
	if !strings.Contains(l.stdout, `"state": "pending"`) || strings.Contains(l.stdout, `"state": "dead"`) ||
		!strings.Contains(l.stdout, "the proxy refused its credentials") {
		t.Errorf("outbox list:\n%s", l.stdout)
	}
	f := run(t, registry(), env, "outbox", "flush", "--backend-url", be.URL, "--log-level", "error")
	if f.code != 1 || !strings.Contains(f.stdout, "0 delivered, 1 still pending, 0 rejected") {
		t.Errorf("flush through the refusing proxy: exit %d\n%s%s", f.code, f.stdout, f.stderr)
	}
	be.set(http.StatusOK)
	if f := run(t, registry(), env, "outbox", "flush", "--backend-url", be.URL, "--log-level", "error"); f.code != 0 || !strings.Contains(f.stdout, "1 delivered") {
		t.Errorf("flush once the proxy lets it through: exit %d\n%s%s", f.code, f.stdout, f.stderr)
	}
}
