package cli_test

import (
	"strings"
	"testing"

	"github.com/injectkit/injectkit/cli"
)

// serve refuses a platform setting the client refuses before any WARN
// about the daemon it never starts: an unset required setting of an
// injector it would serve, a token sent in clear. It warned first, then
// exited 2.
func TestServeRefusesBeforeWarning(t *testing.T) {
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"injector id not a UUID", []string{"--openaev-url", "http://127.0.0.1:1", "--injector-id", "nope"}, `invalid injector_id "nope"`},
		{"tenant not bare", []string{"--openaev-url", "http://127.0.0.1:1", "--injector-id", injectorID, "--tenant", "a/b"}, `invalid tenant "a/b"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			args := append([]string{"serve", "--token", serveToken, "--injectors", "query", "--listen-addr", ""}, tc.args...)
			r := run(t, registry(withQuery), nil, args...)
			if r.code != cli.ExitUsage || !strings.Contains(r.stderr, tc.want) {
				t.Fatalf("exit %d, want %d naming %s:\n%s", r.code, cli.ExitUsage, tc.want, r.stderr)
			}
			if strings.Contains(r.stderr, "WARN") {
				t.Errorf("a WARN before the refusal:\n%s", r.stderr)
			}
		})
	}
}
