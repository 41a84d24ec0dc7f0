package cli_test

import (
	"strings"
	"testing"
)

// A token given with an empty backend URL (a URL from an unset variable,
// say) goes nowhere: the run prints its output, exit 0, and says on
// stderr that the token is unused, naming where each was given, never
// the token. Without a token nothing is said.
func TestTokenWithoutBackendWarns(t *testing.T) {
	const token = "tok-3f9a7c21e5"
	tests := []struct {
		name string
		env  map[string]string
		args []string
		warn string
	}{
		{"flag", nil, []string{"--backend-url", "", "--token", token}, `a token was given (--token) but no backend URL`},
		{"environment", map[string]string{"INJECTKIT_TOKEN": token}, nil, `a token was given (env INJECTKIT_TOKEN) but no backend URL`},
		{"no token", nil, []string{"--backend-url", ""}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := run(t, registry(), tt.env, append([]string{"run", "noop", "--target", "127.0.0.1", "-o", "json"}, tt.args...)...)
			if r.code != 0 || !strings.Contains(r.stdout, "127.0.0.1") {
				t.Fatalf("exit %d, stdout %q; stderr:\n%s", r.code, r.stdout, r.stderr)
			}
			if strings.Contains(r.stderr+r.stdout, token) {
				t.Errorf("the token shown:\n%s", r.stderr)
			}
			if got := strings.Contains(r.stderr, "the token is unused"); got != (tt.warn != "") || !strings.Contains(r.stderr, tt.warn) {
				t.Errorf("stderr:\n%s\nwant the warning %q: %v", r.stderr, tt.warn, tt.warn != "")
			}
		})
	}
}
