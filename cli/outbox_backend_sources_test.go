package cli_test

import (
	"net/http"
	"path/filepath"
	"strings"
	"testing"
)

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
