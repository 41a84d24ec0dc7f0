package cli_test

import (
	"encoding/base64"
	"net/http"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// The outbox keeps no credentials: the run's line says to add them back,
// and flush and retry-dead given the URL with them send them (Basic), as
// the run did.
func TestOutboxResendsWithTheGivenCredentials(t *testing.T) {
	be := newSwitchable(t, http.StatusServiceUnavailable)
	withCreds := strings.Replace(be.URL, "://", "://user:S3CRETPW@", 1)
	basic := "Basic " + base64.StdEncoding.EncodeToString([]byte("user:S3CRETPW"))
	env := map[string]string{"INJECTKIT_OUTBOX": filepath.Join(t.TempDir(), "cred.db")}
	for _, tt := range []struct {
		code int
		// hint is what the run's line says about the resending command.
		hint string
		// resend is the command that sends the stored body again.
		resend func(list string) []string
	}{
		{http.StatusServiceUnavailable, "(flush with: injectkit outbox flush --outbox ", func(string) []string {
			return []string{"outbox", "flush"}
		}},
		{http.StatusBadRequest, "resend with: injectkit outbox retry-dead <id> --outbox ", func(list string) []string {
			id := regexp.MustCompile(`(?m)^(\d+)\s+dead`).FindStringSubmatch(list)
			if id == nil {
				t.Fatalf("no dead id in\n%s", list)
			}
			return []string{"outbox", "retry-dead", id[1]}
		}},
	} {
		be.set(tt.code)
		r := run(t, registry(), env, "run", "noop", "--inject-id", "tD-cred", "--target", "127.0.0.1", "--backend-url", withCreds, "--log-level", "error")
		if want := " --backend-url " + be.URL + ", adding the URL's user:password (not shown)"; r.code != 1 || !strings.Contains(r.stderr, tt.hint) || !strings.Contains(r.stderr, want) || strings.Contains(r.stderr, "S3CRETPW") {
			t.Fatalf("run against %d: exit %d, want the line to say %q without the password:\n%s", tt.code, r.code, want, r.stderr)
		}
		be.set(http.StatusOK)
		sent := len(be.got())
		args := append(tt.resend(run(t, registry(), env, "outbox", "list").stdout), "--backend-url", withCreds, "--log-level", "error")
		if f := run(t, registry(), env, args...); f.code != 0 {
			t.Fatalf("%s: exit %d\n%s%s", args[1], f.code, f.stdout, f.stderr)
		}
		for _, req := range be.got() {
			if req.Auth != basic {
				t.Errorf("%s: a request carried Authorization %q, want the URL's credentials", args[1], req.Auth)
			}
		}
		if n := len(be.got()) - sent; n != 1 {
			t.Errorf("%s sent %d requests, want 1", args[1], n)
		}
	}
}

// A token is bound to the backend its layer names: a token from a lower
// layer than the URL (the config file's, or the environment's, with
// --backend-url) goes only to the backend its own layer names, or when its
// layer names none. Otherwise nothing is sent to anybody, exit 2, both
// origins named, never the token. {A} and {B} stand for two backends,
// {cfgA} for a config file of A with its token, {serve} for serve's.
func TestTokenBoundToItsLayersBackend(t *testing.T) {
	a, b := newSwitchable(t, http.StatusOK), newSwitchable(t, http.StatusOK)
	cfgA := writeFile(t, "cfgA.yaml", "backend_url: "+a.URL+"\ntoken: tokenAAA\n")
	serve := writeFile(t, "serve.yaml", "openaev_url: "+a.URL+"\ntoken: tokX\ninjector_id: 0d5bd4b2-3f6c-4c2a-9a3e-0c1d5c6b7a8e\nworkers: 2\ninjectors: noop\n")
	refused := "token from config file " + cfgA + ":2 belongs to backend_url " + a.URL + " (" + cfgA + ":1), not --backend-url " + b.URL + ": give its token by INJECTKIT_TOKEN or --token"
	for _, tt := range []struct {
		name string
		env  map[string]string
		args []string
		// dead stores the bodies in the dead list (for retry-dead).
		dead bool
		code int
		// stderr is in the error; toA, toB the Authorization each backend
		// received, one a request.
		stderr   string
		toA, toB []string
	}{
		{name: "file token, --backend-url of another backend", args: []string{"outbox", "flush", "--config", "{cfgA}", "--backend-url", "{B}"},
			code: 2, stderr: refused},
		{name: "env token and URL, --backend-url of another backend", env: map[string]string{"INJECTKIT_TOKEN": "tokenAAA", "INJECTKIT_BACKEND_URL": "{A}"},
			args: []string{"outbox", "flush", "--backend-url", "{B}"}, code: 2,
			stderr: "token from env INJECTKIT_TOKEN belongs to backend_url {A} (env INJECTKIT_BACKEND_URL), not --backend-url {B}: " +
				"give its token by INJECTKIT_TOKEN with INJECTKIT_BACKEND_URL naming it, or by --token"},
		{name: "env token and URL, both naming --backend-url's backend", env: map[string]string{"INJECTKIT_TOKEN": "tokenBBB", "INJECTKIT_BACKEND_URL": "{B}"},
			args: []string{"outbox", "flush", "--backend-url", "{B}"}, toB: []string{"Bearer tokenBBB"}},
		{name: "file token, env URL of A, --backend-url of another backend", env: map[string]string{"INJECTKIT_BACKEND_URL": "{A}"},
			args: []string{"outbox", "flush", "--config", "{cfgA}", "--backend-url", "{B}"}, code: 2,
			stderr: "not --backend-url {B}: give its token by INJECTKIT_TOKEN with INJECTKIT_BACKEND_URL naming it, or by --token"},
		{name: "file token, env URL of another backend", env: map[string]string{"INJECTKIT_BACKEND_URL": "{B}"},
			args: []string{"outbox", "flush", "--config", "{cfgA}"}, code: 2,
			stderr: "token from config file {cfgA}:2 belongs to backend_url {A} ({cfgA}:1), not backend_url {B} (env INJECTKIT_BACKEND_URL): give its token by INJECTKIT_TOKEN or --token"},
		{name: "file token, env URL and token of another backend", env: map[string]string{"INJECTKIT_BACKEND_URL": "{B}", "INJECTKIT_TOKEN": "tokenBBB"},
			args: []string{"outbox", "flush", "--config", "{cfgA}"}, toB: []string{"Bearer tokenBBB"}},
		{name: "retry-dead", dead: true, args: []string{"outbox", "retry-dead", "{id}", "--config", "{cfgA}", "--backend-url", "{B}"},
			code: 2, stderr: refused},
		{name: "run", args: []string{"run", "noop", "--inject-id", "inj-run", "--target", "127.0.0.1", "--config", "{cfgA}", "--backend-url", "{B}"},
			code: 2, stderr: refused},
		{name: "validate", args: []string{"validate", "noop", "--inject-id", "inj-run", "--target", "127.0.0.1", "--config", "{cfgA}", "--backend-url", "{B}"},
			code: 2, stderr: refused},
		{name: "serve's config: its openaev_url and token", args: []string{"outbox", "flush", "--config", "{serve}"},
			toA: []string{"Bearer tokX"}},
		{name: "serve's config, --backend-url of another backend", args: []string{"outbox", "flush", "--config", "{serve}", "--backend-url", "{B}"},
			code: 2, stderr: "token from config file {serve}:2 belongs to openaev_url {A} ({serve}:1), not --backend-url {B}: give its token by INJECTKIT_TOKEN or --token"},
		{name: "serve with its config, --openaev-url of another platform", args: []string{"serve", "--config", "{serve}", "--openaev-url", "{B}"},
			code: 2, stderr: "token from config file {serve}:2 belongs to openaev_url {A} ({serve}:1), not --openaev-url {B}: give its token by INJECTKIT_TOKEN or --token"},
		{name: "file token, --backend-url of its backend", args: []string{"outbox", "flush", "--config", "{cfgA}", "--backend-url", "{A}/"},
			toA: []string{"Bearer tokenAAA"}},
		{name: "file token, --backend-url and INJECTKIT_TOKEN of another", env: map[string]string{"INJECTKIT_TOKEN": "tokenBBB"},
			args: []string{"outbox", "flush", "--config", "{cfgA}", "--backend-url", "{B}"}, toB: []string{"Bearer tokenBBB"}},
		{name: "file token, --backend-url and --token of another", args: []string{"outbox", "flush", "--config", "{cfgA}", "--backend-url", "{B}", "--token", "tokenBBB"},
			toB: []string{"Bearer tokenBBB"}},
		{name: "env token of no backend, --backend-url", env: map[string]string{"INJECTKIT_TOKEN": "tokenEnv"},
			args: []string{"outbox", "flush", "--backend-url", "{B}"}, toB: []string{"Bearer tokenEnv"}},
		{name: "run with the env token of no backend", env: map[string]string{"INJECTKIT_TOKEN": "tokenEnv"},
			args: []string{"run", "noop", "--inject-id", "inj-run", "--target", "127.0.0.1", "--backend-url", "{B}"}, toB: []string{"Bearer tokenEnv"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			box := filepath.Join(t.TempDir(), "outbox.db")
			store := http.StatusServiceUnavailable
			if tt.dead {
				store = http.StatusBadRequest
			}
			a.set(store)
			b.set(store)
			for _, be := range []*switchable{a, b} {
				if r := run(t, registry(), map[string]string{"INJECTKIT_OUTBOX": box}, "run", "noop", "--inject-id", "inj-stored", "--target", "127.0.0.1",
					"--backend-url", be.URL, "--token", "tokenRun", "--log-level", "error"); r.code != 1 {
					t.Fatalf("storing: exit %d, want 1\n%s", r.code, r.stderr)
				}
			}
			a.set(http.StatusOK)
			b.set(http.StatusOK)
			// {id} is B's dead body, the last stored.
			id := ""
			for _, m := range regexp.MustCompile(`(?m)^(\d+)\s+dead`).FindAllStringSubmatch(run(t, registry(), map[string]string{"INJECTKIT_OUTBOX": box}, "outbox", "list").stdout, -1) {
				id = m[1]
			}
			r := strings.NewReplacer("{A}", a.URL, "{B}", b.URL, "{cfgA}", cfgA, "{serve}", serve, "{id}", id)
			env := map[string]string{"INJECTKIT_OUTBOX": box}
			for k, v := range tt.env {
				env[k] = r.Replace(v)
			}
			args := []string{}
			for _, s := range tt.args {
				args = append(args, r.Replace(s))
			}
			sentA, sentB := len(a.got()), len(b.got())
			res := run(t, registry(), env, append(args, "--log-level", "error")...)
			if res.code != tt.code || !strings.Contains(res.stderr, r.Replace(tt.stderr)) {
				t.Errorf("exit %d, want %d with %q\n%s%s", res.code, tt.code, r.Replace(tt.stderr), res.stdout, res.stderr)
			}
			for _, secret := range []string{"tokenAAA", "tokX"} {
				if strings.Contains(res.stdout+res.stderr, secret) {
					t.Errorf("the output shows the token %s:\n%s%s", secret, res.stdout, res.stderr)
				}
			}
			for _, be := range []struct {
				name string
				got  []rawRequest
				want []string
			}{{"A", a.got()[sentA:], tt.toA}, {"B", b.got()[sentB:], tt.toB}} {
				var auth []string
				for _, req := range be.got {
					auth = append(auth, req.Auth)
				}
				if strings.Join(auth, "|") != strings.Join(be.want, "|") {
					t.Errorf("backend %s received Authorization %q, want %q", be.name, auth, be.want)
				}
			}
		})
	}
}

// One backend written two ways (its scheme's default port or none, an IP
// address in another spelling, the host's case, a trailing slash) is one
// backend: the config file's token goes with --backend-url of it. Another
// backend is refused.
func TestTokenBoundToItsBackendWrittenOtherwise(t *testing.T) {
	for _, tt := range []struct {
		file, flag string
		code       int
	}{
		{"http://127.0.0.1:80/x", "http://127.0.0.1/x", 0},
		{"https://127.0.0.1:443", "https://127.0.0.1", 0},
		{"http://[0:0:0:0:0:0:0:1]:8080", "http://[::1]:8080", 0},
		{"http://LOCALHOST:8080/x", "http://localhost:8080/x/", 0},
		{"http://127.0.0.1:8080", "http://127.0.0.1:8081", 2},
		{"http://127.0.0.1:443", "https://127.0.0.1", 2},
		{"http://127.0.0.1/x", "http://127.0.0.1/y", 2},
	} {
		cfg := writeFile(t, "c.yaml", "backend_url: "+tt.file+"\ntoken: tokenAAA\n")
		r := run(t, registry(), nil, "validate", "noop", "--inject-id", "x", "--target", "127.0.0.1", "--config", cfg, "--backend-url", tt.flag)
		if r.code != tt.code || tt.code == 2 && !strings.Contains(r.stderr, "belongs to backend_url "+tt.file) {
			t.Errorf("backend_url %s, --backend-url %s: exit %d, want %d\n%s", tt.file, tt.flag, r.code, tt.code, r.stderr)
		}
		if strings.Contains(r.stderr, "tokenAAA") {
			t.Errorf("the token is in stderr: %s", r.stderr)
		}
	}
}

// The backend of flush is given alike by every source, flag >
// environment > config file, each by backend_url or, failing it, by
// serve's openaev_url: a flush run in the daemon's environment
// (INJECTKIT_OPENAEV_URL, INJECTKIT_TOKEN) sends to its platform, as one
// given serve's config file does.
func TestFlushBackendFromEverySource(t *testing.T) {
	a, b := newSwitchable(t, http.StatusOK), newSwitchable(t, http.StatusOK)
	for _, tt := range []struct {
		name string
		env  map[string]string
		args []string
		file string // the config file given, if any
		// toA, toB: the Authorization each backend received.
		toA, toB string
	}{
		{name: "--backend-url", env: map[string]string{"INJECTKIT_TOKEN": "tokA"}, args: []string{"--backend-url", "{A}"}, toA: "Bearer tokA"},
		{name: "env INJECTKIT_BACKEND_URL", env: map[string]string{"INJECTKIT_BACKEND_URL": "{A}", "INJECTKIT_TOKEN": "tokA"}, toA: "Bearer tokA"},
		{name: "env INJECTKIT_OPENAEV_URL", env: map[string]string{"INJECTKIT_OPENAEV_URL": "{A}", "INJECTKIT_TOKEN": "tokA"}, toA: "Bearer tokA"},
		{name: "backend_url in the config file", file: "backend_url: {A}\ntoken: tokA\n", toA: "Bearer tokA"},
		{name: "openaev_url in the config file", file: "openaev_url: {A}\ntoken: tokA\n", toA: "Bearer tokA"},
		{name: "env INJECTKIT_BACKEND_URL before INJECTKIT_OPENAEV_URL",
			env: map[string]string{"INJECTKIT_BACKEND_URL": "{A}", "INJECTKIT_OPENAEV_URL": "{B}", "INJECTKIT_TOKEN": "tokA"}, toA: "Bearer tokA"},
		{name: "env INJECTKIT_OPENAEV_URL before the config file's backend_url",
			env: map[string]string{"INJECTKIT_OPENAEV_URL": "{A}", "INJECTKIT_TOKEN": "tokA"}, file: "backend_url: {B}\n", toA: "Bearer tokA"},
		{name: "--backend-url before INJECTKIT_OPENAEV_URL",
			env: map[string]string{"INJECTKIT_OPENAEV_URL": "{A}"}, args: []string{"--backend-url", "{B}", "--token", "tokB"}, toB: "Bearer tokB"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			box := filepath.Join(t.TempDir(), "ob.db")
			a.set(http.StatusServiceUnavailable)
			b.set(http.StatusServiceUnavailable)
			keepInOutbox(t, map[string]string{"INJECTKIT_OUTBOX": box}, "inj-a", a.URL)
			keepInOutbox(t, map[string]string{"INJECTKIT_OUTBOX": box}, "inj-b", b.URL)
			a.set(http.StatusOK)
			b.set(http.StatusOK)
			sentA, sentB := len(a.got()), len(b.got())
			r := strings.NewReplacer("{A}", a.URL, "{B}", b.URL)
			env := map[string]string{"INJECTKIT_OUTBOX": box}
			for k, v := range tt.env {
				env[k] = r.Replace(v)
			}
			args := []string{"outbox", "flush", "--log-level", "error"}
			for _, s := range tt.args {
				args = append(args, r.Replace(s))
			}
			if tt.file != "" {
				args = append(args, "--config", writeFile(t, "c.yaml", r.Replace(tt.file)))
			}
			res := run(t, registry(), env, args...)
			if res.code != 0 {
				t.Fatalf("exit %d, want 0\n%s%s", res.code, res.stdout, res.stderr)
			}
			for _, be := range []struct {
				name string
				got  []rawRequest
				want string
			}{{"A", a.got()[sentA:], tt.toA}, {"B", b.got()[sentB:], tt.toB}} {
				var auth []string
				for _, req := range be.got {
					auth = append(auth, req.Auth)
				}
				if strings.Join(auth, "|") != be.want {
					t.Errorf("backend %s received Authorization %q, want %q\n%s", be.name, auth, be.want, res.stdout)
				}
			}
		})
	}
}
