package cli_test

import (
	"strings"
	"testing"

	"github.com/injectkit/injectkit/openaev/openaevtest"
)

// TestServeWarnsOfAnUnsetRequiredSetting checks that serve, which starts
// all the same, says once at its start which required setting of a
// served injector is unset (validate refuses it), and where to set it.
func TestServeWarnsOfAnUnsetRequiredSetting(t *testing.T) {
	const warn = "required injector setting unset: every inject of query fails without it"
	blank := writeFile(t, "blank.yaml", "query:\n  shodan_api_key: \"\"\n")
	tests := []struct {
		name  string
		env   map[string]string
		args  []string
		warns int
	}{
		{"query without its key", nil, []string{"--injectors", "query"}, 1},
		{"query and noop without its key", nil, []string{"--injectors", "query,noop"}, 1},
		{"query with its key", map[string]string{"INJECTKIT_SHODAN_API_KEY": "k"}, []string{"--injectors", "query"}, 0},
		{"query with its key from the config file", nil,
			[]string{"--injectors", "query", "--config", writeFile(t, "c.yaml", "query:\n  shodan_api_key: k\n")}, 0},
		{"noop alone", nil, []string{"--injectors", "noop"}, 0},
		{"query with a blank key", map[string]string{"INJECTKIT_SHODAN_API_KEY": " "}, []string{"--injectors", "query"}, 1},
		{"query with a blank key in the config file", nil, []string{"--injectors", "query", "--config", blank}, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := openaevtest.NewPlatform(t, serveToken)
			d := serveWith(t, registry(withQuery), tt.env, append([]string{"--openaev-url", p.URL, "--token", serveToken,
				"--injector-id", injectorID, "--listen-addr", ""}, tt.args...)...)
			waitUntil(t, "a registration", func() bool { return len(p.Registrations()) >= 1 })
			got := d.stderr.String()
			if n := strings.Count(got, warn); n != tt.warns {
				t.Fatalf("%d WARN lines %q, want %d:\n%s", n, warn, tt.warns, got)
			}
			if tt.warns > 0 && (!strings.Contains(got, "query.shodan_api_key") ||
				!strings.Contains(got, "env INJECTKIT_SHODAN_API_KEY or query.shodan_api_key in the config file")) {
				t.Errorf("the WARN does not say which setting and where to set it:\n%s", got)
			}
			// A blank given is named where it was given, as run names it;
			// a setting nobody gave is named nowhere.
			given := map[string]string{
				"query with a blank key":                    `"value": " ", "given": "env INJECTKIT_SHODAN_API_KEY"`,
				"query with a blank key in the config file": `"value": "", "given": "config file ` + blank + `:2"`,
			}[tt.name]
			switch {
			case given != "" && !strings.Contains(got, given):
				t.Errorf("the WARN does not say where the blank came from (%s):\n%s", given, got)
			case given == "" && strings.Contains(got, `"given"`):
				t.Errorf("the WARN names where an unset setting came from:\n%s", got)
			}
		})
	}
}
