package cli_test

import (
	"maps"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/injectkit/injectkit/cli"
)

// A secret the command line gives (the token by --token, the
// user:password of a --backend-url) is in /proc/PID/cmdline, which ps
// shows to every local user: run and validate say so in one WARN line
// naming the flag and where to give it instead, never the secret; one
// the environment or the config file gives gets no such line.
func TestSecretOnTheCommandLineWarns(t *testing.T) {
	be := newBackend(t, http.StatusOK)
	const secret = `a"b\c/d+e=f%gTOKxQ7wR2k9`
	withCreds := strings.Replace(be.URL, "://", "://user:pw%2Bx7Qk29zL@", 1)
	const tokenWarn = "WARN\tthe token given by --token shows in ps (/proc/PID/cmdline) to every local user while the process runs, and in the shell's history: give it by INJECTKIT_TOKEN or the config file's token"
	const urlWarn = "WARN\tthe credentials (user:password@) of the URL given by --backend-url show in ps (/proc/PID/cmdline) to every local user while the process runs, and in the shell's history: give the URL by INJECTKIT_BACKEND_URL or the config file's backend_url"
	tokenFile := writeFile(t, "token.yaml", "token: '"+secret+"'\nbackend_url: "+be.URL+"\n")
	urlFile := writeFile(t, "url.yaml", "backend_url: "+withCreds+"\n")
	for _, f := range []string{tokenFile, urlFile} {
		if err := os.Chmod(f, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	for _, tt := range []struct {
		name     string
		env      map[string]string
		args     []string
		want     []string
		withheld []string
	}{
		{"token by flag", nil, []string{"--backend-url", be.URL, "--token", secret}, []string{tokenWarn}, []string{secret}},
		{"token by flag=value", nil, []string{"--backend-url", be.URL, "--token=" + secret}, []string{tokenWarn}, []string{secret}},
		{"token by the environment", map[string]string{"INJECTKIT_TOKEN": secret}, []string{"--backend-url", be.URL}, nil, []string{secret}},
		{"token by the config file", nil, []string{"--config", tokenFile}, nil, []string{secret}},
		{"URL credentials by the config file", nil, []string{"--config", urlFile}, nil, []string{"pw%2Bx7Qk29zL", "pw+x7Qk29zL"}},
		{"blank token by flag", nil, []string{"--backend-url", be.URL, "--token", " "}, nil, nil},
		{"URL credentials by flag", nil, []string{"--backend-url", withCreds}, []string{urlWarn}, []string{"pw%2Bx7Qk29zL", "pw+x7Qk29zL"}},
		{"URL credentials by the environment", map[string]string{"INJECTKIT_BACKEND_URL": withCreds}, nil, nil, []string{"pw%2Bx7Qk29zL", "pw+x7Qk29zL"}},
		{"URL without credentials by flag", nil, []string{"--backend-url", be.URL}, nil, nil},
		{"token by flag, URL by the config file", nil, []string{"--config", tokenFile, "--token", secret}, []string{tokenWarn}, []string{secret}},
	} {
		for _, cmd := range []string{"run", "validate"} {
			t.Run(cmd+" "+tt.name, func(t *testing.T) {
				args := append([]string{cmd, "noop", "--inject-id", "args-1", "--target", "127.0.0.1", "--log-level", "warn", "-o", "json"}, tt.args...)
				r := run(t, registry(), tt.env, args...)
				if r.code != 0 {
					t.Fatalf("exit %d: %s", r.code, r.stderr)
				}
				for _, w := range tt.want {
					if n := strings.Count(r.stderr, w); n != 1 {
						t.Errorf("%d lines %q, want 1:\n%s", n, w, r.stderr)
					}
				}
				if len(tt.want) == 0 && strings.Contains(r.stderr, " in ps (/proc/PID/cmdline)") {
					t.Errorf("warned of the command line, want no such line:\n%s", r.stderr)
				}
				for _, s := range tt.withheld {
					if strings.Contains(r.stderr, s) || strings.Contains(r.stdout, s) {
						t.Errorf("secret %q shown:\n%s\n%s", s, r.stderr, r.stdout)
					}
				}
			})
		}
	}
}

// serve, a daemon whose command line ps shows for as long as it runs,
// says so of a --token at start, before anything is opened (its outbox,
// here unusable, refused after the line), and not of INJECTKIT_TOKEN.
func TestServeWarnsOfATokenOnTheCommandLine(t *testing.T) {
	notDir := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(notDir, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	const warn = "WARN\tthe token given by --token shows in ps (/proc/PID/cmdline)"
	base := []string{"serve", "--openaev-url", "http://127.0.0.1:1", "--injector-id", injectorID, "--injectors", "noop", "--listen-addr", ""}
	for _, tt := range []struct {
		name string
		env  map[string]string
		args []string
		want int
	}{
		{"flag", nil, []string{"--token", serveToken}, 1},
		{"environment", map[string]string{"INJECTKIT_TOKEN": serveToken}, nil, 0},
	} {
		t.Run(tt.name, func(t *testing.T) {
			env := map[string]string{"INJECTKIT_OUTBOX": filepath.Join(notDir, "outbox.db")}
			maps.Copy(env, tt.env)
			r := run(t, registry(), env, append(append([]string(nil), base...), tt.args...)...)
			if r.code != cli.ExitUsage || !strings.Contains(r.stderr, "create directory") {
				t.Fatalf("exit %d, want 2 refusing the outbox:\n%s", r.code, r.stderr)
			}
			if n := strings.Count(r.stderr, warn); n != tt.want || strings.Contains(r.stderr, serveToken) {
				t.Errorf("%d lines %q, want %d, and the token never shown:\n%s", n, warn, tt.want, r.stderr)
			}
		})
	}
}
