package cli_test

import (
	"testing"

	"github.com/injectkit/injectkit/cli"
)

// An --expectation the injector cannot take, unknown or not one it
// declares, is a setting the user got wrong, not the inject's: with the
// openaev profile too, the run exits 2 naming the flag (and, for an
// undeclared type, the types declared) before anything is sent, with no
// reception nor INVALID_USAGE, and no outbox file.
func TestRunOpenAEVRefusesAnExpectationBeforeSending(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, expectation, want string
	}{
		{"unknown", "NOPE", `invalid expectation "NOPE" (--expectation): want DETECTION, PREVENTION or VULNERABILITY`},
		{"undeclared", "VULNERABILITY", `invalid expectation "VULNERABILITY" (--expectation): VULNERABILITY is not an expectation type injector noop declares: it declares DETECTION, PREVENTION`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			const id = "inj-expect"
			p := noopPlatform(t, id)
			env, box := outboxEnv(t)
			r := run(t, registry(), env, "run", "noop", "--profile", "openaev", "--inject-id", id, "--target", "192.0.2.1",
				"--expectation", tc.expectation, "--backend-url", p.URL, "--log-level", "warn")
			if r.code != cli.ExitUsage {
				t.Fatalf("exit %d, want %d; stderr:\n%s", r.code, cli.ExitUsage, r.stderr)
			}
			checkSays(t, "stderr", r.stderr, []string{tc.want}, []string{"inject rejected"})
			if n := len(p.Receptions(id)); n != 0 {
				t.Errorf("%d receptions sent, want none", n)
			}
			if cbs := p.Calls(id); len(cbs) != 0 {
				t.Errorf("calls about the inject %v, want none", cbs)
			}
			noOutboxFile(t, box)
		})
	}
}
