package cli_test

import (
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/injectkit/injectkit/cli"
)

// A list in the config file for a key that takes one value makes the
// file invalid whatever overrides the key: a flag or a variable setting
// it too does not let the run or the daemon start (before, the file's
// list was refused only when its value was used, and with --inject-id
// the run sent its bodies and stored them in the outbox).
func TestConfigListRefusedWhenOverridden(t *testing.T) {
	var requests atomic.Int64
	backend := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		requests.Add(1)
		w.WriteHeader(http.StatusOK)
	}))
	t.Cleanup(backend.Close)
	runLine := []string{"run", "noop", "--target", "127.0.0.1", "--token", "tok-abcdef1234567890", "--inject-id", "i1"}
	tests := []struct {
		name string
		yaml string // line 2 holds the list
		env  map[string]string
		args []string
		want string
	}{
		{name: "inject_id, --inject-id given", yaml: "inject_id: [a, b]\n", args: runLine,
			want: "invalid inject_id (config file FILE:2): want one value, not a list"},
		{name: "inject_id, env given", yaml: "inject_id: [a, b]\n", env: map[string]string{"INJECTKIT_INJECT_ID": "i9"},
			args: []string{"run", "noop", "--target", "127.0.0.1", "--token", "tok-abcdef1234567890"},
			want: "invalid inject_id (config file FILE:2): want one value, not a list"},
		{name: "inject_id, none given", yaml: "inject_id: [a, b]\n",
			args: []string{"run", "noop", "--target", "127.0.0.1", "--token", "tok-abcdef1234567890"},
			want: "invalid inject_id (config file FILE:2): want one value, not a list"},
		{name: "token, --token given", yaml: "token: [x, y]\n", args: runLine,
			want: "invalid token (config file FILE:2): want one value, not a list"},
		{name: "mapping, --inject-id given", yaml: "inject_id: {a: 1}\n", args: runLine,
			want: "invalid inject_id (config file FILE:2): want one value, not a mapping"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := writeFile(t, "c.yaml", "backend_url: "+backend.URL+"\n"+tt.yaml)
			ob := filepath.Join(t.TempDir(), "ob.db")
			before := requests.Load()
			r := run(t, registry(), tt.env, append(tt.args, "--config", path, "--outbox", ob)...)
			if want := strings.ReplaceAll(tt.want, "FILE", path); r.code != cli.ExitUsage || !strings.Contains(r.stderr, want) {
				t.Errorf("exit %d, want %d with %q; stderr %q", r.code, cli.ExitUsage, want, r.stderr)
			}
			if n := requests.Load() - before; n != 0 {
				t.Errorf("%d requests sent, want none", n)
			}
			if _, err := os.Stat(ob); !os.IsNotExist(err) {
				t.Errorf("outbox %s created (stat: %v), want none", ob, err)
			}
			if strings.Contains(r.stderr, "tok-abcdef1234567890") {
				t.Error("token in stderr")
			}
		})
	}
}

// The daemon's one-value keys likewise: a list in the file for
// injector_id, openaev_url or token is refused, with the flag given,
// before the daemon starts or creates its outbox.
func TestServeConfigListRefusedWhenOverridden(t *testing.T) {
	platform := "http://127.0.0.1:1"
	flags := []string{"--openaev-url", platform, "--token", serveToken, "--injector-id", injectorID}
	tests := []struct{ name, yaml, key string }{
		{"injector_id", "injector_id: [" + injectorID + ", b]\n", "injector_id"},
		{"openaev_url", "openaev_url: [http://127.0.0.1:2, http://127.0.0.1:3]\n", "openaev_url"},
		{"token", "token: [x, y]\n", "token"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := writeFile(t, "c.yaml", "workers: 1\n"+tt.yaml)
			ob := filepath.Join(t.TempDir(), "ob.db")
			stderr, stop := serveRun(t, map[string]string{"INJECTKIT_OUTBOX": ob}, append(flags, "--config", path)...)
			waitUntil(t, "serve to exit or create its outbox", func() bool {
				_, err := os.Stat(ob)
				return strings.Contains(stderr.String(), "injectkit: ") || err == nil
			})
			code := stop()
			want := "invalid " + tt.key + " (config file " + path + ":2): want one value, not a list"
			if code != cli.ExitUsage || !strings.Contains(stderr.String(), want) {
				t.Errorf("exit %d, want %d with %q; stderr %q", code, cli.ExitUsage, want, stderr)
			}
			if _, err := os.Stat(ob); !os.IsNotExist(err) {
				t.Errorf("outbox %s created (stat: %v), want none", ob, err)
			}
		})
	}
}
