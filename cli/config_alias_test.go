package cli_test

import (
	"strings"
	"testing"
)

// A config file in which a setting shares its value with a secret one
// through a YAML anchor and alias, either way round, is refused with exit
// 2 naming the setting, its line and the secret setting, never the
// value; an alias between settings that are not secret still works.
func TestConfigAliasOfASecretNotShown(t *testing.T) {
	reg := registry(withQuery)
	const secret = "SECRETzz99"
	tests := []struct {
		name, yaml string
		args       []string
		want       string // on stderr; "" for a run that succeeds
	}{
		{"token's value as timeout", "token: &a '" + secret + "'\ntimeout: *a\n", nil,
			"invalid timeout (config file %s:2): its value is the value of token, a secret setting"},
		{"timeout's value as token", "timeout: &a '" + secret + "'\ntoken: *a\n", nil,
			"invalid timeout (config file %s:1): its value is the value of token"},
		{"token's value as a target", "token: &a '" + secret + "'\ntarget: [127.0.0.1, *a]\n", nil,
			"invalid target (config file %s:2): its value is the value of token"},
		{"an injector's secret as a param", "query:\n  shodan_api_key: &k '" + secret + "'\nparam: *k\n", nil,
			"invalid param (config file %s:3): its value is the value of query.shodan_api_key"},
		{"an injector's secret, dotted, as its other setting", "query.shodan_api_key: &k '" + secret + "'\nquery.request_timeout: *k\n", nil,
			"invalid query.request_timeout (config file %s:2): its value is the value of query.shodan_api_key"},
		{"alias between settings that are not secret", "phase: &p execution_complete\ninject_id: *p\n", nil, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := writeFile(t, "c.yaml", tt.yaml)
			r := run(t, reg, nil, append([]string{"validate", "noop", "--target", "127.0.0.1", "--config", path, "--log-level", "error"}, tt.args...)...)
			if tt.want == "" {
				if r.code != 0 {
					t.Fatalf("exit %d, want 0:\n%s", r.code, r.stderr)
				}
				return
			}
			want := strings.ReplaceAll(tt.want, "%s", path)
			switch {
			case r.code != 2:
				t.Fatalf("exit %d, want 2:\n%s", r.code, r.stderr)
			case !strings.Contains(r.stderr, want):
				t.Errorf("stderr lacks %q:\n%s", want, r.stderr)
			case strings.Contains(r.stdout+r.stderr, secret):
				t.Errorf("shows the secret:\n%s", r.stderr)
			}
		})
	}
}
