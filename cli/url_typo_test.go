package cli_test

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/injectkit/injectkit/framework"
	"github.com/injectkit/injectkit/injectors/cloudscan"
	"github.com/injectkit/injectkit/internal/httpx"
)

// A URL setting whose scheme is mistyped parses as a path or an opaque
// part, its user information with it: whichever setting it is, the
// refusal (exit 2) names the setting and shows the URL masked up to the
// '@', never its password in any encoding.
func TestURLTypoRefusedWithoutPassword(t *testing.T) {
	const secret = "S3cr3tUinfo96"
	box := filepath.Join(t.TempDir(), "outbox.db")
	reg := registry(withQuery, func(r *framework.Registry) {
		r.Register("cloudscan", func() framework.Executor { return cloudscan.New() })
	})
	red := httpx.NewRedactor(secret)
	for _, typo := range []struct{ raw, shown string }{
		{"http//u:" + secret + "@127.0.0.1:1", `"http//REDACTED@127.0.0.1:1"`},
		{"http:/u:" + secret + "@127.0.0.1:1", `"http:/REDACTED@127.0.0.1:1"`},
		{"http:///u:" + secret + "@127.0.0.1:1", `"http:///REDACTED@127.0.0.1:1"`},
		{"http:u:" + secret + "@127.0.0.1:1", `"http:REDACTED@127.0.0.1:1"`},
		{"http//u:" + secret + "@127.0.0.1:1/?x=1", `"(unparsable URL)"`},
	} {
		for _, tt := range []struct {
			name, field string
			env         map[string]string
			args        []string
		}{
			{"backend-url", "--backend-url", nil, []string{"validate", "noop", "--target", "127.0.0.1", "--backend-url", typo.raw}},
			{"openaev-url", "--openaev-url", nil, []string{"serve", "--openaev-url", typo.raw, "--token", "tok",
				"--injector-id", "9a6e0000-0000-4000-8000-000000000096", "--listen-addr", ""}},
			{"shodan", "env INJECTKIT_SHODAN_BASE_URL", map[string]string{"INJECTKIT_SHODAN_BASE_URL": typo.raw, "INJECTKIT_SHODAN_API_KEY": "k"},
				[]string{"validate", "query", "--query", "apache"}},
			{"cloudscan", "env INJECTKIT_CLOUDSCAN_ENDPOINT_URL", map[string]string{"INJECTKIT_CLOUDSCAN_ENDPOINT_URL": typo.raw},
				[]string{"validate", "cloudscan", "--cloud-provider", "aws", "--cloud-account", "123456789012", "--cloud-region", "eu-west-1"}},
			{"outbox move", "--to", nil, []string{"outbox", "move", "--outbox", box, "--from", "http://127.0.0.1:2", "--to", typo.raw}},
			{"outbox flush", "--backend-url", nil, []string{"outbox", "flush", "--outbox", box, "--backend-url", typo.raw}},
		} {
			t.Run(tt.name+" "+typo.raw, func(t *testing.T) {
				r := run(t, reg, tt.env, tt.args...)
				if r.code != 2 || !strings.Contains(r.stderr, typo.shown) || !strings.Contains(r.stderr, tt.field) {
					t.Errorf("exit %d, want 2 showing %s and naming %s:\n%s", r.code, typo.shown, tt.field, r.stderr)
				}
				if out := r.stdout + r.stderr; strings.Contains(out, "S3cr3t") || red.Redact(out) != out {
					t.Errorf("the password is shown:\n%s%s", r.stdout, r.stderr)
				}
			})
		}
	}
}
