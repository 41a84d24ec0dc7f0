package cli_test

import (
	"encoding/pem"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/injectkit/injectkit/cli"
	"github.com/injectkit/injectkit/internal/httpx"
	"github.com/injectkit/injectkit/internal/testkit"
	"github.com/injectkit/injectkit/openaev"
	"github.com/injectkit/injectkit/openaev/openaevtest"
	"github.com/injectkit/injectkit/serve/servetest"
	"github.com/injectkit/injectkit/transport/transporttest"
)

// A CA file that can be read once only (a pipe, a process substitution)
// is read once by the process and trusted by every client of it: run, in
// both profiles and with a platform message, delivers over HTTPS to a
// backend whose certificate it holds, and validate says valid, as run
// would be.
func TestRunCAFileReadOnce(t *testing.T) {
	tlsSrv := httptest.NewTLSServer(http.NotFoundHandler())
	tlsSrv.Close()
	cert := tlsSrv.TLS.Certificates[0]
	if cert.Leaf == nil {
		t.Fatal("httptest certificate without its leaf")
	}
	caPEM := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: cert.Leaf.Raw})
	var posts atomic.Int32
	callbacks := httptest.NewUnstartedServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { posts.Add(1) }))
	callbacks.TLS = tlsSrv.TLS.Clone()
	callbacks.StartTLS()
	t.Cleanup(callbacks.Close)

	const id = "inj-ca"
	msg := oneAssetMessage(t, id, openaev.ContractID("noop"))
	tests := []struct {
		name    string
		openaev bool
		args    []string
		want    string // on stdout
	}{
		{"run, callback profile", false, []string{"run", "noop", "--target", "192.0.2.1", "--inject-id", id}, ""},
		{"run, openaev profile", true, []string{"run", "noop", "--profile", "openaev", "--target", "192.0.2.1", "--inject-id", id}, ""},
		{"run, openaev message", true, []string{"run", "noop", "--openaev-message", msg}, ""},
		{"validate, callback profile", false, []string{"validate", "noop", "--target", "192.0.2.1", "--inject-id", id}, `"valid": true`},
		{"validate, openaev profile", true, []string{"validate", "noop", "--profile", "openaev", "--target", "192.0.2.1", "--inject-id", id}, `"valid": true`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			url, before := callbacks.URL, posts.Load()
			var p *openaevtest.Platform
			if tt.openaev {
				p = openaevtest.NewPlatform(t, platformToken, openaevtest.WithTLS(cert))
				registered(t, p, platformToken, registry(), openaev.WithHTTPClient(callbacks.Client()))
				p.AddInject(id, openaev.ContractID("noop"))
				url = p.URL
			}
			env, _ := outboxEnv(t)
			args := append(tt.args, "--backend-url", url, "--ca-file", testkit.OneShotFile(t, caPEM), "--log-level", "error", "-o", "json")
			r := run(t, registry(), env, args...)
			if r.code != cli.ExitOK || !strings.Contains(r.stdout, tt.want) {
				t.Fatalf("exit %d, want 0; stdout:\n%s\nstderr:\n%s", r.code, r.stdout, r.stderr)
			}
			switch {
			case tt.want != "":
			case p != nil && !openaev.Finished(p.InjectStatus(id)):
				t.Errorf("inject status %s after the run, want a final one", p.InjectStatus(id))
			case p == nil && posts.Load() == before:
				t.Error("no callback reached the backend")
			}
		})
	}
}

// TestCAFileCheckedWithoutBackend checks that a CA file is read and
// checked whenever it is given, a backend or not: validate, a dry run and
// a flush without --backend-url exit 2 naming it and where it was given,
// before anything runs or an outbox is opened; a good one is accepted.
func TestCAFileCheckedWithoutBackend(t *testing.T) {
	srv := httptest.NewTLSServer(nil)
	t.Cleanup(srv.Close)
	good := writeFile(t, "ca.pem", string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw})))
	missing := filepath.Join(t.TempDir(), "nope.pem")
	notPEM := writeFile(t, "notca.pem", "not a certificate\n")
	dir := t.TempDir()
	box := filepath.Join(t.TempDir(), "box.db")
	line := []string{"noop", "--target", "10.0.0.1", "--log-level", "error"}
	commands := []struct {
		name string
		args []string
	}{
		{"validate", append([]string{"validate"}, line...)},
		{"dry run", append([]string{"run"}, line...)},
		{"dry run, openaev profile", append(append([]string{"run"}, line...), "--profile", "openaev")},
		{"flush without --backend-url", []string{"outbox", "flush", "--outbox", box}},
	}
	files := []struct {
		name, path, env string
		want            string // "" when accepted
	}{
		{"missing", missing, "", `invalid ca_file "` + missing + `" (--ca-file): no such file or directory`},
		{"missing, from env", "", missing, `invalid ca_file "` + missing + `" (env INJECTKIT_CA_FILE): no such file or directory`},
		{"a directory", dir, "", `invalid ca_file "` + dir + `" (--ca-file): is a directory`},
		{"no certificate", notPEM, "", `invalid ca_file "` + notPEM + `" (--ca-file): no PEM certificate found`},
		{"a CA", good, "", ""},
	}
	for _, c := range commands {
		for _, f := range files {
			t.Run(c.name+" "+f.name, func(t *testing.T) {
				args := c.args
				var env map[string]string
				if f.env != "" {
					env = map[string]string{"INJECTKIT_CA_FILE": f.env}
				} else {
					args = append(append([]string{}, args...), "--ca-file", f.path)
				}
				r := run(t, registry(), env, args...)
				if f.want == "" {
					if r.code != 0 {
						t.Fatalf("exit %d, want 0:\n%s", r.code, r.stderr)
					}
					return
				}
				checkRefused(t, r, f.want)
				if _, err := os.Stat(box); err == nil {
					t.Errorf("the outbox %s was opened", box)
				}
			})
		}
	}
}

// outbox flush and retry-dead refuse a CA file they cannot use as every
// other command does: exit 2 naming the file and where it was given, the
// outbox as it was, nothing sent.
func TestOutboxSendRefusesCAFile(t *testing.T) {
	be := newSwitchable(t, http.StatusServiceUnavailable)
	env := map[string]string{"INJECTKIT_OUTBOX": filepath.Join(t.TempDir(), "outbox.db"), "INJECTKIT_TOKEN": "tok-ca-1"}
	keepInOutbox(t, env, "inj-pending", be.URL)
	be.set(http.StatusBadRequest)
	keepInOutbox(t, env, "inj-dead", be.URL)
	list := run(t, registry(), env, "outbox", "list")
	m := regexp.MustCompile(`(?m)^(\d+)\s+dead`).FindStringSubmatch(list.stdout)
	if m == nil || !strings.Contains(list.stdout, "1 pending, 1 dead") {
		t.Fatalf("outbox list:\n%s", list.stdout)
	}
	be.set(http.StatusOK)
	sent := len(be.got())

	dir := t.TempDir()
	notPEM := writeFile(t, "ca.txt", "not a certificate\n")
	missing := filepath.Join(dir, "missing.pem")
	tests := []struct {
		name, path, where string
		env               bool // given as INJECTKIT_CA_FILE rather than --ca-file
	}{
		{"a directory", dir, "--ca-file", false},
		{"a missing file", missing, "--ca-file", false},
		{"no PEM certificate", notPEM, "--ca-file", false},
		{"a directory, from the environment", dir, "env INJECTKIT_CA_FILE", true},
	}
	for _, cmd := range [][]string{{"outbox", "flush"}, {"outbox", "retry-dead", m[1]}} {
		for _, tt := range tests {
			t.Run(strings.Join(cmd[:2], " ")+"/"+tt.name, func(t *testing.T) {
				args := append(append([]string{}, cmd...), "--backend-url", be.URL)
				e := env
				if tt.env {
					e = map[string]string{"INJECTKIT_CA_FILE": tt.path}
					for k, v := range env {
						e[k] = v
					}
				} else {
					args = append(args, "--ca-file", tt.path)
				}
				r := run(t, registry(), e, args...)
				want := `invalid ca_file "` + tt.path + `" (` + tt.where + `): `
				if r.code != cli.ExitUsage || !strings.Contains(r.stderr, want) {
					t.Errorf("exit %d, want %d and %q in stderr:\n%s", r.code, cli.ExitUsage, want, r.stderr)
				}
				if n := len(be.got()); n != sent {
					t.Errorf("%d requests sent, want none", n-sent)
				}
				if l := run(t, registry(), env, "outbox", "list"); !strings.Contains(l.stdout, "1 pending, 1 dead") {
					t.Errorf("outbox changed:\n%s", l.stdout)
				}
			})
		}
	}
}

// A platform whose certificate the run refuses (no CA file, or another
// CA's) received nothing: the run exits 1, the platform unreached, with
// the hint to run the inject again, and no line blames the platform or
// the token for a refusal.
func TestRunOpenAEVRefusedCertificateIsUnreached(t *testing.T) {
	platformTLS := httptest.NewTLSServer(http.NotFoundHandler())
	platformTLS.Close()
	otherCA := servetest.NewCA(t).File
	const id = "inj-tls"
	msg := oneAssetMessage(t, id, openaev.ContractID("noop"))
	tests := []struct {
		name string
		args []string
	}{
		{"no CA file", []string{"run", "noop", "--openaev-message", msg}},
		{"another CA", []string{"run", "noop", "--openaev-message", msg, "--ca-file", otherCA}},
		{"openaev profile", []string{"run", "noop", "--profile", "openaev", "--target", "192.0.2.1", "--inject-id", id}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := openaevtest.NewPlatform(t, platformToken, openaevtest.WithTLS(platformTLS.TLS.Certificates[0]))
			p.AddInject(id, openaev.ContractID("noop"))
			env, _ := outboxEnv(t)
			r := run(t, registry(), env, append(tt.args, "--backend-url", p.URL)...)
			if r.code != cli.ExitDelivery || !strings.Contains(r.stderr, "run it again once the platform answers") {
				t.Fatalf("exit %d, want %d with the hint to run again; stderr:\n%s", r.code, cli.ExitDelivery, r.stderr)
			}
			for _, never := range []string{"refused the reception", "rejected", "settings routes refused"} {
				if strings.Contains(r.stderr, never) {
					t.Errorf("stderr says %q of a platform never reached:\n%s", never, r.stderr)
				}
			}
			if n := len(p.Calls(id)); n != 0 {
				t.Errorf("the platform received %d calls", n)
			}
		})
	}
}

// A certificate refused names the setting that trusts a CA in the line
// that says the run failed, for either profile.
func TestRefusedCertificateNamesTheCAFile(t *testing.T) {
	be := httptest.NewTLSServer(http.NotFoundHandler())
	t.Cleanup(be.Close)
	p := openaevtest.NewPlatform(t, platformToken, openaevtest.WithTLS(be.TLS.Certificates[0]))
	p.AddInject("inj-h", openaev.ContractID("noop"))
	tests := []struct {
		name string
		args []string
	}{
		{"callback profile", []string{"run", "noop", "--target", "192.0.2.1", "--inject-id", "inj-h", "--backend-url", be.URL, "--outbox", "none"}},
		{"openaev profile", []string{"run", "noop", "--profile", "openaev", "--target", "192.0.2.1", "--inject-id", "inj-h", "--backend-url", p.URL}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env, _ := outboxEnv(t)
			r := run(t, registry(), env, tt.args...)
			var line string
			for _, l := range strings.Split(r.stderr, "\n") {
				if strings.HasPrefix(l, "injectkit: ") && !strings.HasPrefix(l, "injectkit: hint:") {
					line = l
				}
			}
			if r.code != cli.ExitDelivery || !strings.Contains(line, "certificate") || !strings.Contains(line, "--ca-file, INJECTKIT_CA_FILE or ca_file") {
				t.Errorf("exit %d, error line %q; want 1 naming --ca-file\n%s", r.code, line, r.stderr)
			}
		})
	}
}

// --insecure is said once per command, however many HTTP clients the
// command builds from it (the run checks its delivery before anything
// runs, then delivers; a flush builds one client per pass): with an
// https:// backend, one WARN line on stderr that verification is off,
// whatever the profile and with or without an outbox. With a plain
// http:// backend there is no TLS to verify: no such WARN (it warned all
// the same), one INFO line saying the setting has no effect.
func TestInsecureWarnedOncePerCommand(t *testing.T) {
	backends := map[string]struct{ up, down *transporttest.Backend }{
		"https": {transporttest.NewTLSBackend(t), transporttest.NewTLSBackend(t)},
		"http":  {transporttest.NewBackend(t), transporttest.NewBackend(t)},
	}
	for _, b := range backends {
		b.down.SetReply(transporttest.Reply{Status: http.StatusServiceUnavailable, Header: http.Header{"Retry-After": {"0"}}})
	}
	common := []string{"--target", "10.0.0.1", "--inject-id", "inj-insecure", "--token", "abcdefgh12", "--insecure"}
	tests := []struct {
		name string
		args func(t *testing.T, up, down string) []string
		code int
	}{
		{"run, callback profile, outbox", func(t *testing.T, up, _ string) []string {
			return append([]string{"run", "noop", "--backend-url", up, "--outbox", filepath.Join(t.TempDir(), "o.db")}, common...)
		}, 0},
		{"run, callback profile, no outbox", func(_ *testing.T, up, _ string) []string {
			return append([]string{"run", "noop", "--backend-url", up, "--outbox", "none"}, common...)
		}, 0},
		{"run, openaev profile", func(_ *testing.T, up, _ string) []string {
			return append([]string{"run", "noop", "--profile", "openaev", "--backend-url", up, "--outbox", "none"}, common...)
		}, 0},
		{"validate", func(_ *testing.T, up, _ string) []string {
			return append([]string{"validate", "noop", "--backend-url", up}, common...)
		}, 0},
		{"outbox flush", func(t *testing.T, _, down string) []string {
			box := filepath.Join(t.TempDir(), "o.db")
			if r := run(t, registry(), nil, append([]string{"run", "noop", "--backend-url", down, "--outbox", box, "--log-level", "error"}, common...)...); r.code != 1 {
				t.Fatalf("run to a backend down: exit %d, want 1\n%s", r.code, r.stderr)
			}
			return []string{"outbox", "flush", "--outbox", box, "--backend-url", down, "--token", "abcdefgh12", "--insecure"}
		}, 1},
	}
	for scheme, b := range backends {
		for _, tt := range tests {
			t.Run(scheme+"/"+tt.name, func(t *testing.T) {
				r := run(t, registry(), nil, tt.args(t, b.up.URL, b.down.URL)...)
				if r.code != tt.code {
					t.Fatalf("exit %d, want %d\n%s", r.code, tt.code, r.stderr)
				}
				said, unsaid := httpx.InsecureWarning, httpx.InsecureMoot
				if scheme == "http" {
					said, unsaid = unsaid, said
				}
				if n := strings.Count(r.stderr, said); n != 1 || strings.Contains(r.stderr, unsaid) {
					t.Errorf("%q said %d times, want once, and %q never:\n%s", said, n, unsaid, r.stderr)
				}
				if scheme == "https" && !strings.Contains(r.stderr, "WARN\t"+said) {
					t.Errorf("%q not a WARN:\n%s", said, r.stderr)
				}
			})
		}
	}
}

// A CA file given for a plain http:// backend trusts nothing: there is
// no TLS, and the token goes unencrypted. Tester t117's finding 2: the run
// said nothing of it, as --insecure did before it got its INFO line; one
// INFO line now says the CA file has no effect, once, and an https://
// backend verified with it gets none.
func TestCAFileOnPlainHTTPSaid(t *testing.T) {
	tlsBackend := transporttest.NewTLSBackend(t)
	caFile := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(caFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: tlsBackend.Certificate().Raw}), 0o600); err != nil {
		t.Fatal(err)
	}
	common := []string{"--target", "10.0.0.1", "--inject-id", "inj-ca-http", "--token", "abcdefgh12", "--ca-file", caFile, "--outbox", "none"}
	tests := []struct {
		name, url string
		profile   string
		said      bool
	}{
		{"http, callback profile", transporttest.NewBackend(t).URL, "callback", true},
		{"http, openaev profile", transporttest.NewBackend(t).URL, "openaev", true},
		{"https", tlsBackend.URL, "callback", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := append([]string{"run", "noop", "--backend-url", tt.url, "--profile", tt.profile, "--openaev-version", "2.4.0"}, common...)
			if tt.profile == "callback" {
				args = append([]string{"run", "noop", "--backend-url", tt.url}, common...)
			}
			r := run(t, registry(), nil, args...)
			if n := strings.Count(r.stderr, httpx.CAFileMoot); (n == 1) != tt.said || n > 1 {
				t.Errorf("exit %d; %q said %d times, want it said: %v\n%s", r.code, httpx.CAFileMoot, n, tt.said, r.stderr)
			}
			if tt.said && !strings.Contains(r.stderr, "INFO\t"+httpx.CAFileMoot) {
				t.Errorf("not an INFO line:\n%s", r.stderr)
			}
		})
	}
}
