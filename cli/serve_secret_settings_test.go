package cli_test

import (
	"strings"
	"testing"

	"github.com/injectkit/injectkit/cli"
	"github.com/injectkit/injectkit/openaev/openaevtest"
)

// A platform setting every request or the registration carries (the
// tenant in every path, the injector id in paths and in the
// registration, its name and type in the registration, which the
// platform shows its users) holding the token, an OpenAEV token being a
// UUID as an injector id is, is refused before anything is sent, as run
// refuses an inject id holding it: exit 2, the value withheld, the
// platform never called; sent, the token would reach the platform's and
// its proxies' access logs and the platform's lists of injectors.
func TestServeSettingHoldingTheTokenRefused(t *testing.T) {
	const token = "0c3f6a2e-8d41-4b7a-9e55-1f2a3b4c5d6e" // an OpenAEV API token
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"tenant", []string{"--injector-id", injectorID, "--tenant", "t" + strings.ReplaceAll(token, "-", "")},
			`invalid tenant (value withheld) (--tenant): holds a secret`},
		{"injector id", []string{"--injector-id", token}, `invalid injector_id (value withheld) (--injector-id): holds a secret`},
		{"injector name", []string{"--injector-id", injectorID, "--injector-name", "scanner " + token},
			`invalid injector_name (value withheld) (--injector-name): holds a secret`},
		{"injector type", []string{"--injector-id", injectorID, "--injector-type", "x-" + token},
			`invalid injector_type (value withheld) (--injector-type): holds a secret`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tok := token
			if tt.name == "tenant" {
				tok = strings.ReplaceAll(token, "-", "")
			}
			p := openaevtest.NewPlatform(t, tok)
			args := append([]string{"--openaev-url", p.URL, "--token", tok, "--listen-addr", "127.0.0.1:0", "--outbox", "none"}, tt.args...)
			stderr, stop := serveRun(t, nil, args...)
			waitUntil(t, "serve to exit", func() bool { return strings.Contains(stderr.String(), "injectkit: ") })
			if code := stop(); code != cli.ExitUsage || !strings.Contains(stderr.String(), tt.want) {
				t.Errorf("exit %d, want %d with %q; stderr: %s", code, cli.ExitUsage, tt.want, stderr)
			}
			if strings.Contains(stderr.String(), tok) {
				t.Errorf("stderr shows the token:\n%s", stderr)
			}
			if calls := p.AllCalls(); len(calls) != 0 {
				t.Errorf("the platform was called: %s %s", calls[0].Kind, calls[0].Path)
			}
		})
	}
}
