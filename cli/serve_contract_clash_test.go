package cli_test

import (
	"strings"
	"testing"

	"github.com/injectkit/injectkit/openaev"
	"github.com/injectkit/injectkit/openaev/openaevtest"
)

// TestServeRefusesAContractAnotherBinaryHolds is the platform tester's
// finding: another binary (injector_type "acme-scanner") registered an
// injector named "noop" first, so its contract id is ours. serve (type
// injectkit) exits 2 at start naming the contract, the other injector
// and how to fix it, and registers nothing: the platform would send our
// noop's injects to the other binary.
func TestServeRefusesAContractAnotherBinaryHolds(t *testing.T) {
	p := openaevtest.NewPlatform(t, serveToken)
	otherID := acmeHoldsNoop(t, p)

	stderr, stop := serveRun(t, nil, "--openaev-url", p.URL, "--token", serveToken, "--injector-id", injectorID,
		"--injectors", "noop", "--listen-addr", "", "--outbox", "none")
	waitUntil(t, "serve to exit", func() bool { return strings.Contains(stderr.String(), "injectkit: ") })
	if code := stop(); code != 2 {
		t.Errorf("exit %d, want 2", code)
	}
	for _, want := range []string{`invalid injector_type "injectkit"`, openaev.ContractID("noop"), `"Acme scanners"`, otherID,
		`"acme-scanner"`, "leave it out of --injectors"} {
		if !strings.Contains(stderr.String(), want) {
			t.Errorf("stderr does not say %s:\n%s", want, stderr)
		}
	}
	if n := len(p.Registrations()); n != 1 {
		t.Errorf("%d registrations, want the other binary's alone", n)
	}
}
