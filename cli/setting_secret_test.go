package cli_test

import (
	"strings"
	"testing"
)

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
