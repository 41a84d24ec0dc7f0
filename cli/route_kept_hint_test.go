package cli_test

import (
	"strings"
	"testing"

	"github.com/injectkit/injectkit/openaev"
	"github.com/injectkit/injectkit/openaev/openaevtest"
)

// A run with the callback profile against an OpenAEV platform keeps its
// body in the dead list (405 on POST /api/injects/{id}/callback): the
// hint says retry-dead would be answered 405 again, and to run the inject
// again with the openaev profile, then drop the body; both work as said.
func TestRouteHintSaysTheDeadBodyCannotBeResent(t *testing.T) {
	t.Parallel()
	p := openaevtest.NewPlatform(t, platformToken)
	registered(t, p, platformToken, registry())
	const id = "inj-route"
	p.AddInject(id, openaev.ContractID("noop"))
	env, _ := outboxEnv(t)
	args := []string{"run", "noop", "--inject-id", id, "--target", "127.0.0.1", "--backend-url", p.URL, "--log-level", "error"}
	r := run(t, registry(), env, args...)
	const hint = "for an OpenAEV platform, run with --profile openaev; there, the body kept in the dead list, in the callback profile's format, " +
		"would be answered 405 again by retry-dead: once the inject ran with that profile, remove it with outbox drop <id>; the retry-dead command needs"
	if r.code != 1 || !strings.Contains(r.stderr, hint) {
		t.Fatalf("exit %d, stderr:\n%s\nwant 1 and %q", r.code, r.stderr, hint)
	}
	if rd := run(t, registry(), env, "outbox", "retry-dead", "1", "--backend-url", p.URL, "--log-level", "error"); rd.code != 1 || !strings.Contains(rd.stderr, "status 405") {
		t.Errorf("retry-dead: exit %d\n%s%s\nwant 1 and the same 405", rd.code, rd.stdout, rd.stderr)
	}
	if again := run(t, registry(), env, append(args, "--profile", "openaev")...); again.code != 0 {
		t.Fatalf("run with --profile openaev: exit %d\n%s", again.code, again.stderr)
	}
	if st := p.InjectStatus(id); !openaev.Finished(st) {
		t.Errorf("inject status %q after the run with --profile openaev, want it finished", st)
	}
	if d := run(t, registry(), env, "outbox", "drop", "1"); d.code != 0 {
		t.Errorf("drop: exit %d\n%s", d.code, d.stderr)
	}
	wantOutboxEmpty(t, registry(), env, "after the drop")
}
