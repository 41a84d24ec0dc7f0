package cli_test

import (
	"strings"
	"testing"
)

// A flag run and validate do not have, named as the user would guess it
// from the injector's own words, is answered with the way to give it: the
// injector is the command's argument (--injector had "did you mean
// --inject-id?", another setting), a param goes in --param (--ports,
// --scan-type, --timing=4 had no hint at all), a setting in the
// environment or the config file. Nothing runs, exit 2.
func TestUnknownFlagNamingAnInjectorsParamOrSetting(t *testing.T) {
	tests := []struct {
		name string
		args []string
		hint string
	}{
		{"injector", []string{"--injector", "nmap", "--target", "127.0.0.1"},
			`injectkit: hint: the injector is the command's argument, not a flag: injectkit CMD NAME … ` +
				`(NAME one of nmap, noop, query), or the inject file's "injector"`},
		{"injector with =", []string{"--injector=nmap", "--target", "127.0.0.1"}, "the injector is the command's argument, not a flag"},
		{"injector after it", []string{"nmap", "--injector", "nmap", "--target", "127.0.0.1"}, "the injector is the command's argument, not a flag"},
		{"param", []string{"nmap", "--target", "127.0.0.1", "--ports", "22"},
			"injectkit: hint: ports is a param of nmap, not a flag: give it as --param ports=VALUE (or in the inject file's params)"},
		{"param with a dash", []string{"nmap", "--target", "127.0.0.1", "--scan-type", "syn"},
			"injectkit: hint: scan_type is a param of nmap, not a flag: give it as --param scan_type=VALUE"},
		{"param with =", []string{"nmap", "--target", "127.0.0.1", "--timing=4"},
			"injectkit: hint: timing is a param of nmap, not a flag: give it as --param timing=VALUE"},
		{"param of another injector", []string{"noop", "--target", "127.0.0.1", "--max-results", "5"},
			"injectkit: hint: max_results is a param of query, not a flag: give it as --param max_results=VALUE"},
		{"setting", []string{"query", "--query", "port:22", "--shodan-api-key", "k3y-not-shown"},
			"injectkit: hint: shodan_api_key is a setting of query, not a flag: give it as env INJECTKIT_SHODAN_API_KEY " +
				"or query.shodan_api_key in the config file"},
	}
	for _, tt := range tests {
		for _, cmd := range []string{"run", "validate"} {
			t.Run(cmd+" "+tt.name, func(t *testing.T) {
				r := run(t, registry(withNmapScanner, withQuery), nil, append([]string{cmd}, tt.args...)...)
				hint := strings.ReplaceAll(tt.hint, "CMD", cmd)
				if r.code != 2 || !strings.Contains(r.stderr, "flag provided but not defined") || !strings.Contains(r.stderr, hint) {
					t.Errorf("exit %d, want 2 with the hint %q:\n%s", r.code, hint, r.stderr)
				}
				if strings.Contains(r.stderr, "did you mean") {
					t.Errorf("a flag that only looks alike suggested:\n%s", r.stderr)
				}
				checkNotShown(t, r, "k3y-not-shown")
			})
		}
	}
}
