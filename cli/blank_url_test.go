package cli_test

import (
	"testing"
)

// A Shodan base URL given but blank (white space in the environment, an
// empty or blank config key) is refused with exit 2 naming the setting
// and where it was given: it never means "the default", which would send
// the key to api.shodan.io. An empty environment variable is unset, as any
// other, and keeps the default. Only `validate` runs here: a regression
// must not reach the real API.
func TestBlankShodanBaseURLIsRefused(t *testing.T) {
	reg := registry(withQuery)
	key := map[string]string{"INJECTKIT_SHODAN_API_KEY": "k"}
	empty := writeFile(t, "empty.yaml", "query:\n  shodan_base_url: ''\n")
	blank := writeFile(t, "blank.yaml", "query:\n  shodan_base_url: ' '\n")
	tests := []struct {
		name string
		env  map[string]string
		args []string
		want string // "" for exit 0
	}{
		{"env blank", map[string]string{"INJECTKIT_SHODAN_BASE_URL": " "}, nil,
			`invalid query.shodan_base_url " " (env INJECTKIT_SHODAN_BASE_URL): must not be blank`},
		{"env tab", map[string]string{"INJECTKIT_SHODAN_BASE_URL": "\t"}, nil,
			`invalid query.shodan_base_url "\t" (env INJECTKIT_SHODAN_BASE_URL): must not be blank`},
		{"config empty", nil, []string{"--config", empty},
			`invalid query.shodan_base_url "" (config file ` + empty + `:2): must not be blank`},
		{"config blank", nil, []string{"--config", blank},
			`invalid query.shodan_base_url " " (config file ` + blank + `:2): must not be blank`},
		{"env empty is unset", map[string]string{"INJECTKIT_SHODAN_BASE_URL": ""}, nil, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := map[string]string{}
			for _, m := range []map[string]string{key, tt.env} {
				for k, v := range m {
					env[k] = v
				}
			}
			args := append([]string{"validate", "query", "--query", "apache", "--log-level", "error"}, tt.args...)
			r := run(t, reg, env, args...)
			checkAcceptedOrRefused(t, r, tt.want)
		})
	}
}
