package cli_test

import (
	"testing"

	"github.com/injectkit/injectkit/cli"
	"github.com/injectkit/injectkit/openaev"
	"github.com/injectkit/injectkit/openaev/openaevtest"
)

// serve refused at its first registration (a contract another binary's
// injector holds: exit 2) sends nothing: the outbox's resender, which
// resends the callbacks an earlier daemon kept, starts once the
// registration succeeded. It started before, and the daemon that exited
// 2 had posted an earlier daemon's stored complete.
func TestServeRefusedAtRegistrationSendsNothing(t *testing.T) {
	p := openaevtest.NewPlatform(t, serveToken)
	acmeHoldsNoop(t, p)
	p.AddInject("i-1", openaev.ContractID("noop"))
	file := keptComplete(t, p.URL)
	r := run(t, registry(), map[string]string{"INJECTKIT_OUTBOX": file}, "serve", "--openaev-url", p.URL,
		"--token", serveToken, "--injector-id", injectorID, "--injectors", "noop", "--listen-addr", "")
	if r.code != cli.ExitUsage {
		t.Fatalf("exit %d, want 2 (the contract held by another binary's injector):\n%s", r.code, r.stderr)
	}
	if calls := p.Calls("i-1"); len(calls) != 0 {
		t.Errorf("%d calls about inject i-1 from a daemon refused at start, want none: %+v\n%s", len(calls), calls, r.stderr)
	}
}
