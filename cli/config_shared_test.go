package cli_test

import (
	"net/http"
	"strings"
	"testing"
)

// One config file may serve every command, as one environment does: run
// and validate ignore serve's keys and serve ignores run's, whether the
// file is INJECTKIT_CONFIG or --config; a key no command reads is still
// refused, and the file's token still goes only to the backend it names.
func TestOneConfigFileServesEveryCommand(t *testing.T) {
	a, b := newSwitchable(t, http.StatusOK), newSwitchable(t, http.StatusOK)
	serveFile := "openaev_url: {A}\ntoken: tokServe\ninjector_id: 5b8c6a8e-1f0e-4c39-9a57-0d3c1b2a4f10\nworkers: 4\n" +
		"listen_addr: 127.0.0.1:0\nshutdown_timeout: 30s\nheartbeat_interval: 40s\nlog_level: error\n"
	runFile := "backend_url: {A}\ntoken: tokRun\ntarget: [127.0.0.1]\nphase: execution_complete\nlog_level: error\n"
	for _, tt := range []struct {
		name, file string
		viaEnv     bool // INJECTKIT_CONFIG, else --config
		args       []string
		code       int
		want       string // in stdout (exit 0) or stderr
		never      string // in neither
	}{
		{name: "run, INJECTKIT_CONFIG of serve", file: serveFile, viaEnv: true, args: []string{"run", "noop", "--target", "127.0.0.1"},
			want: `"signature_value":"127.0.0.1"`},
		{name: "validate, INJECTKIT_CONFIG of serve", file: serveFile, viaEnv: true, args: []string{"validate", "noop", "--target", "127.0.0.1"},
			want: "valid: noop on 1 network target"},
		{name: "validate, --config of serve", file: serveFile, args: []string{"validate", "noop", "--target", "127.0.0.1"},
			want: "valid: noop on 1 network target"},
		{name: "run, a key no command reads", file: serveFile + "workerz: 3\n", viaEnv: true, args: []string{"run", "noop", "--target", "127.0.0.1"},
			code: 2, want: "unknown key workerz (line 9)", never: "heartbeat_interval"},
		{name: "run, serve's token with another backend", file: serveFile, viaEnv: true,
			args: []string{"run", "noop", "--inject-id", "i1", "--target", "127.0.0.1", "--backend-url", "{B}"},
			code: 2, want: "belongs to openaev_url {A}", never: "tokServe"},
		{name: "serve, a key no command reads in run's file", file: runFile + "workerz: 3\n", viaEnv: true, args: []string{"serve"},
			code: 2, want: "unknown key workerz (line 6)", never: "unknown key target"},
		{name: "serve, run's token with another platform", file: runFile, args: []string{"serve", "--openaev-url", "{B}",
			"--injector-id", "5b8c6a8e-1f0e-4c39-9a57-0d3c1b2a4f10"},
			code: 2, want: "belongs to backend_url {A}", never: "tokRun"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := strings.NewReplacer("{A}", a.URL, "{B}", b.URL)
			path := writeFile(t, "shared.yaml", r.Replace(tt.file))
			var env map[string]string
			args := []string{}
			for _, s := range tt.args {
				args = append(args, r.Replace(s))
			}
			if tt.viaEnv {
				env = map[string]string{"INJECTKIT_CONFIG": path}
			} else {
				args = append(args, "--config", path)
			}
			res := run(t, registry(), env, args...)
			out := res.stdout
			if tt.code != 0 {
				out = res.stderr
			}
			if res.code != tt.code || !strings.Contains(out, r.Replace(tt.want)) {
				t.Errorf("exit %d, want %d with %q\n%s%s", res.code, tt.code, r.Replace(tt.want), res.stdout, res.stderr)
			}
			if tt.never != "" && strings.Contains(res.stdout+res.stderr, tt.never) {
				t.Errorf("the output says %q:\n%s%s", tt.never, res.stdout, res.stderr)
			}
			if n := len(a.got()) + len(b.got()); n != 0 {
				t.Errorf("%d requests sent, want none", n)
			}
		})
	}
}
