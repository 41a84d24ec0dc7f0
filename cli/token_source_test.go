package cli_test

import (
	"strings"
	"testing"
)

// A token that cannot travel in an Authorization header is refused
// naming where it was given (the flag, the variable, the config file's
// line), as every other setting is, and never its value, by every
// command that takes one.
func TestTokenErrorNamesItsSource(t *testing.T) {
	conf := writeFile(t, "c.yaml", "backend_url: http://127.0.0.1:1\ntoken: \"sekrit\\0tok\"\n")
	serveConf := writeFile(t, "s.yaml", "token: \"sekrit\\0tok\"\n")
	run1 := []string{"run", "noop", "--target", "127.0.0.1", "--inject-id", "inj-tok", "--outbox", "none", "--log-level", "error"}
	backend := []string{"--backend-url", "http://127.0.0.1:1"}
	serve := []string{"serve", "--openaev-url", "http://127.0.0.1:1", "--injector-id", "00000000-0000-4000-8000-000000000001",
		"--injectors", "noop", "--listen-addr", "", "--outbox", "none"}
	tests := []struct {
		name string
		env  map[string]string
		args []string
		want string
	}{
		{"run --token", nil, append(append(run1, backend...), "--token", "sekrit\ntok"), `invalid token (secret) (--token): holds a line break`},
		{"validate --token", nil, []string{"validate", "noop", "--target", "127.0.0.1", "--token", "sekrit\ntok"},
			`invalid token (secret) (--token): holds a line break`},
		{"run env", map[string]string{"INJECTKIT_TOKEN": "sekrit\x01tok"}, append(run1, backend...),
			`invalid token (secret) (env INJECTKIT_TOKEN): holds a control character`},
		{"run config file", nil, append(run1, "--config", conf), `invalid token (secret) (config file ` + conf + `:2): holds a control character`},
		{"run non-ASCII", nil, append(append(run1, backend...), "--token", "sekrit\u00e9tok"),
			`invalid token (secret) (--token): holds a character outside ASCII`},
		{"outbox flush", nil, append([]string{"outbox", "flush", "--outbox", "none", "--token", "sekrit\ttok"}, backend...),
			`invalid token (secret) (--token): holds a control character`},
		{"serve --token", nil, append(serve, "--token", "sekrit\ntok"), `invalid token (secret) (--token): holds a line break`},
		{"serve config file", nil, append(serve, "--config", serveConf), `invalid token (secret) (config file ` + serveConf + `:1): holds a control character`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := run(t, registry(), tt.env, tt.args...)
			if r.code != 2 || !strings.Contains(r.stderr, tt.want) {
				t.Errorf("exit %d, stderr:\n%s\nwant exit 2 saying %q", r.code, r.stderr, tt.want)
			}
			if strings.Contains(r.stderr+r.stdout, "sekrit") {
				t.Errorf("the token is shown:\n%s", r.stderr)
			}
		})
	}
}
