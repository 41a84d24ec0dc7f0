package cli_test

import (
	"strings"
	"testing"

	"github.com/injectkit/injectkit/cli"
	"github.com/injectkit/injectkit/openaev/openaevtest"
)

// TestRunOpenAEVInjectIDTheFirewallRefuses: `run --profile openaev
// --inject-id` of an id holding a character OpenAEV 2.4.0's HTTP firewall
// refuses in a path (escaped: %2F, %5C, %3B, %25; a 400 before any
// route) exits 2 with one line naming --inject-id and the value, before
// the inject's status is asked (a GET the platform would refuse as well:
// no WARN that it cannot be read) and before anything is sent.
func TestRunOpenAEVInjectIDTheFirewallRefuses(t *testing.T) {
	t.Parallel()
	for _, id := range []string{"../x", "a;b", `a\b`, "50%"} {
		t.Run(id, func(t *testing.T) {
			t.Parallel()
			p := noopPlatform(t, id)
			env, box := outboxEnv(t)
			r := run(t, registry(), env, "run", "noop", "--profile", "openaev", "--inject-id", id, "--target", "192.0.2.1",
				"--backend-url", p.URL, "--log-level", "warn")
			if r.code != cli.ExitUsage {
				t.Fatalf("exit %d, want %d; stderr:\n%s", r.code, cli.ExitUsage, r.stderr)
			}
			line := strings.TrimSpace(r.stderr)
			if strings.Contains(line, "\n") || !strings.Contains(line, `(--inject-id): holds "`) ||
				!strings.Contains(line, "HTTP firewall") || !strings.Contains(line, id[:1]) {
				t.Errorf("stderr, want one line naming --inject-id and the value:\n%s", r.stderr)
			}
			for _, c := range p.AllCalls() {
				if c.Kind != openaevtest.KindSettings && c.Kind != openaevtest.KindRegistration {
					t.Errorf("the run sent %s %s", c.Method, c.Path)
				}
			}
			if st := p.InjectStatus(id); st != "QUEUING" {
				t.Errorf("inject status %s, want QUEUING", st)
			}
			noOutboxFile(t, box)
		})
	}
}
