package cli_test

import (
	"cmp"
	"strings"
	"testing"
)

// A weak value given for a Secret setting is warned of once by run (whose
// check pass and run each prepare the inject) and by validate, naming the
// setting, never the value; a strong one is not.
func TestWeakSecretSettingWarnedOncePerCommand(t *testing.T) {
	const warn = "weak value for a Secret setting"
	tests := []struct {
		name    string
		key     string
		args    []string
		warns   int
		setting string // the WARN's; "" for query.shodan_api_key
	}{
		{"run, changeme", "changeme", []string{"run", "query", "--query", "apache", "-o", "json"}, 1, ""},
		{"run, too short, two queries", "k3y", []string{"run", "query", "--query", "apache", "--query", "nginx", "-o", "json"}, 1, ""},
		{"validate", "changeme", []string{"validate", "query", "--query", "apache"}, 1, ""},
		// Its names hold the value, which the log redaction replaces:
		// named by its place in "injectors query".
		{"validate, its own name", "SHODAN_API_KEY", []string{"validate", "query", "--query", "apache"}, 1,
			`setting 2 of 3 of injector query, as \"injectors query\" lists them: Shodan API key`},
		{"validate, its env", "INJECTKIT_SHODAN_API_KEY", []string{"validate", "query", "--query", "apache"}, 1, ""},
		{"run, a real key", "Zq8vLrT2pWm9XkA3bN7c", []string{"run", "query", "--query", "apache", "-o", "json"}, 0, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := map[string]string{"INJECTKIT_SHODAN_BASE_URL": "http://127.0.0.1:9", "INJECTKIT_SHODAN_API_KEY": tt.key}
			r := run(t, registry(withQuery), env, tt.args...)
			if got := strings.Count(r.stderr, warn); got != tt.warns {
				t.Fatalf("%d WARNs %q, want %d; exit %d, stderr:\n%s", got, warn, tt.warns, r.code, r.stderr)
			}
			setting := cmp.Or(tt.setting, "query.shodan_api_key")
			if tt.warns > 0 && !strings.Contains(r.stderr, `"setting": "`+setting+`"`) {
				t.Errorf("the WARN does not name the setting:\n%s", r.stderr)
			}
			checkNotShown(t, r, tt.key)
		})
	}
}
