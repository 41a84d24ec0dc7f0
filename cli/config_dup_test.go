package cli_test

import (
	"strings"
	"testing"
)

// A key given twice in a config file is refused whatever it holds, query
// included, though it names both run's queries and the query injector's
// settings: those are given dotted (query.shodan_api_key) beside the list.
func TestConfigKeyTwiceRefusedAlike(t *testing.T) {
	for _, tt := range []struct {
		name, yaml string
		code       int
		want       string // in stderr (exit 2) or in the listing of the injector's settings (exit 0)
	}{
		{"timeout twice", "timeout: 1m\ntimeout: 2m\n", 2, "c.yaml:2: key timeout given twice (first on line 1)"},
		{"queries, then the injector's settings", "query: [\"port:80\"]\nquery:\n  shodan_api_key: k\n", 2,
			"c.yaml:2: key query given twice (first on line 1); to give both the query setting and the query injector's settings, write these dotted: query.shodan_api_key: …"},
		{"the injector's settings, then queries", "query:\n  shodan_api_key: k\nquery: [\"port:80\"]\n", 2,
			"c.yaml:3: key query given twice (first on line 1)"},
		{"the injector's settings twice", "query:\n  shodan_api_key: k\nquery:\n  request_timeout: 5s\n", 2,
			"c.yaml:3: key query given twice (first on line 1)"},
		{"queries and dotted settings", "query: [\"port:80\"]\nquery.shodan_api_key: k\n", 0,
			"shodan_api_key, env INJECTKIT_SHODAN_API_KEY, secret, set"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			conf := writeFile(t, "c.yaml", tt.yaml)
			v := run(t, registry(withQuery), nil, "validate", "query", "--config", conf, "--log-level", "error")
			if v.code != tt.code || tt.code == 2 && !strings.Contains(v.stderr, tt.want) {
				t.Fatalf("validate: exit %d, want %d with %q\n%s%s", v.code, tt.code, tt.want, v.stdout, v.stderr)
			}
			if tt.code != 0 {
				return
			}
			if !strings.Contains(v.stdout, "valid: query on 1 external target") {
				t.Errorf("validate: %s", v.stdout)
			}
			if l := run(t, registry(withQuery), nil, "injectors", "query", "--config", conf); !strings.Contains(l.stdout, tt.want) {
				t.Errorf("injectors query: exit %d, want %q\n%s%s", l.code, tt.want, l.stdout, l.stderr)
			}
		})
	}
}
