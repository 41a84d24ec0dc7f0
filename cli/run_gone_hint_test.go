package cli_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/injectkit/injectkit/openaev"
	"github.com/injectkit/injectkit/openaev/openaevtest"
)

// With the openaev profile, a terminal callback answered 404 comes after
// the platform answered the inject's reception at the same URL: the hint
// says the inject no longer exists (OpenAEV 2.4.0's 404 for a deleted
// inject), not to check the URL, which served the reception; kept in the
// dead list or, without an outbox, not kept.
func TestTerminalCallbackNotFoundSaysTheInjectIsGone(t *testing.T) {
	const gone = "injectkit: hint: the platform received this inject at this backend URL, so its 404 on the terminal callback " +
		"says the inject no longer exists (deleted on the platform while it ran): a resend gets 404 again"
	for _, args := range [][]string{nil, {"--outbox", "none"}} {
		t.Run(strings.Join(append([]string{"outbox"}, args...), " "), func(t *testing.T) {
			p := openaevtest.NewPlatform(t, platformToken)
			registered(t, p, platformToken, registry())
			const id = "inj-deleted"
			p.AddInject(id, openaev.ContractID("noop"))
			p.FailComplete(id, http.StatusNotFound, 1)
			env, _ := outboxEnv(t)
			r := run(t, registry(), env, append([]string{"run", "noop", "--profile", "openaev", "--inject-id", id, "--target", "127.0.0.1",
				"--backend-url", p.URL, "--log-level", "error"}, args...)...)
			if r.code != 1 || !strings.Contains(r.stderr, gone) || strings.Contains(r.stderr, "check the backend URL") {
				t.Fatalf("exit %d, stderr:\n%s\nwant 1 and %q, not a hint to check the URL", r.code, r.stderr, gone)
			}
			if calls := p.Calls(id); len(calls) == 0 || calls[0].Kind != "reception" || !calls[0].Accepted() {
				t.Errorf("calls %s, want the reception accepted first", callKinds(calls))
			}
		})
	}
}
