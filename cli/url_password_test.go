package cli_test

import (
	"strings"
	"testing"
)

// A URL whose password holds '/', '?' or '#' as it is, given anywhere a
// URL is read (a flag, the environment, the config file; run, validate,
// outbox flush, serve, a URL setting), is refused with exit 2 naming the
// setting and saying how to write the password, and no piece of the
// password is shown.
func TestURLPasswordNeverShownWhenUnparsable(t *testing.T) {
	reg := registry(withQuery)
	for _, pw := range []string{"Zx9Q/w7RealPass", "Zx9Q?w7RealPass", "Zx9Q#w7RealPass", "1234/w7RealPass"} {
		bad := "http://svc:" + pw + "@127.0.0.1:18601"
		cfg := writeFile(t, "c.yaml", "backend_url: '"+bad+"'\n")
		run1 := []string{"noop", "--target", "127.0.0.1", "--inject-id", "v"}
		tests := []refusal{
			{"run flag", nil, append(append([]string{"run"}, run1...), "--backend-url", bad), `invalid backend_url`},
			{"validate flag", nil, append(append([]string{"validate"}, run1...), "--backend-url", bad), `(--backend-url)`},
			{"validate env", map[string]string{"INJECTKIT_BACKEND_URL": bad}, append([]string{"validate"}, run1...), `(env INJECTKIT_BACKEND_URL)`},
			{"validate config", nil, append(append([]string{"validate"}, run1...), "--config", cfg), `invalid backend_url`},
			{"outbox flush", nil, []string{"outbox", "flush", "--outbox", t.TempDir() + "/ob.db", "--backend-url", bad}, `invalid backend_url`},
			{"outbox flush config", nil, []string{"outbox", "flush", "--outbox", t.TempDir() + "/ob.db", "--config", cfg}, `invalid backend_url`},
			{"serve", nil, []string{"serve", "--openaev-url", bad, "--token", serveToken, "--injector-id", injectorID}, `invalid openaev_url`},
			{"shodan base URL", map[string]string{"INJECTKIT_SHODAN_BASE_URL": bad, "INJECTKIT_SHODAN_API_KEY": "k"},
				[]string{"validate", "query", "--query", "apache"}, `invalid query.shodan_base_url`},
		}
		for _, tt := range tests {
			t.Run(pw+"/"+tt.name, func(t *testing.T) {
				r := run(t, reg, tt.env, append(tt.args, "--log-level", "error")...)
				out := r.stdout + r.stderr
				switch {
				case r.code != 2:
					t.Fatalf("exit %d, want 2:\n%s", r.code, out)
				case !strings.Contains(r.stderr, tt.want) || !strings.Contains(r.stderr, "%2F %3F %23"):
					t.Errorf("stderr lacks %q and the hint:\n%s", tt.want, r.stderr)
				}
				for _, piece := range []string{"Zx9Q", "1234", "w7RealPass", "RealPass"} {
					if strings.Contains(out, piece) {
						t.Errorf("shows %q of the password:\n%s", piece, out)
					}
				}
			})
		}
	}
}
