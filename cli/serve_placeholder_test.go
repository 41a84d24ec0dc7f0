package cli_test

import (
	"context"
	"strings"
	"testing"

	"github.com/injectkit/injectkit/framework"
	"github.com/injectkit/injectkit/openaev"
	"github.com/injectkit/injectkit/openaev/openaevtest"
)

// TestServeWarnsOfAContractAnImportsPlaceholderHoldsFirst: serve under
// an injector id the platform holds already (registered before with
// portscan alone), given noop too, whose contract a starter-pack import made: OpenAEV
// 2.4.0 links it after the import's placeholder, which stays, so the
// contract's injects never come here. serve registers and says so at
// WARN, with the fix.
func TestServeWarnsOfAContractAnImportsPlaceholderHoldsFirst(t *testing.T) {
	p := openaevtest.NewPlatform(t, serveToken)
	earlier, err := openaev.NewClient(openaev.Config{URL: p.URL, Token: serveToken, InjectorID: injectorID,
		InjectorName: "InjectKit", InjectorType: "injectkit"})
	if err != nil {
		t.Fatal(err)
	}
	m, _, err := serveRegistry().Manifest("portscan", portscan{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := earlier.Register(context.Background(), []framework.Manifest{m}, false); err != nil {
		t.Fatal(err)
	}
	id := openaev.ContractID("noop")
	p.ImportContract(id, "injectkit", "InjectKit", `{"label":{"en":"imported"}}`)

	stderr, stop := serveRun(t, nil, "--openaev-url", p.URL, "--token", serveToken, "--injector-id", injectorID,
		"--injectors", "portscan,noop", "--listen-addr", "", "--outbox", "none")
	waitUntil(t, "the WARN", func() bool { return strings.Contains(stderr.String(), "starter-pack import") })
	stop()
	for _, want := range []string{"WARN", id, `"injectkit_dummy"`, "new --injector-id"} {
		if !strings.Contains(stderr.String(), want) {
			t.Errorf("stderr does not say %s:\n%s", want, stderr)
		}
	}
	p.AddInject("i-1", id)
	if _, injector, _ := p.InjectorOf("i-1"); injector != "injectkit_dummy_default" {
		t.Errorf("the contract's injects go to %q, want the placeholder's", injector)
	}
}
