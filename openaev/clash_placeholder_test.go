package openaev_test

import (
	"context"
	"strings"
	"testing"

	"go.uber.org/zap/zapcore"

	"github.com/injectkit/injectkit/framework"
	"github.com/injectkit/injectkit/openaev"
	"github.com/injectkit/injectkit/openaev/openaevtest"
)

// placeholderWarnings returns the lines of lines that say a contract is
// linked first to the placeholder of an import.
func placeholderWarnings(lines []string) []string {
	return linesSaying(lines, "starter-pack import")
}

// TestRegistrarWarnsOfAContractAPlaceholderHoldsFirst: an injector id
// the platform holds already that adds an injector whose contract a
// starter-pack import made is linked after the import's placeholder,
// which OpenAEV 2.4.0 deletes only on a new injector's registration: the
// contract's injects stay the placeholder's, and never come here. The
// Registrar says it at WARN once, naming the contract and what fixes it
// (a new injector id of the type registering); once another deployment
// of the type registered under a new id, the injects come here.
func TestRegistrarWarnsOfAContractAPlaceholderHoldsFirst(t *testing.T) {
	p := openaevtest.NewPlatform(t, testToken)
	ctx := context.Background()
	other := nmapShaped()
	other.Name = "other"
	a, _ := binaryClient(t, p.URL, binaryAID, "Acme", "acme-scanner")
	if _, err := openaev.NewRegistrar(a, []framework.Manifest{other}).Register(ctx); err != nil {
		t.Fatal(err)
	}
	id := openaev.ContractID("scan")
	p.ImportContract(id, "acme-scanner", "Acme", `{"label":{"en":"imported"}}`)

	again, lines := binaryClient(t, p.URL, binaryAID, "Acme", "acme-scanner")
	r := openaev.NewRegistrar(again, append([]framework.Manifest{other}, scanManifest()...))
	for range 2 { // the first registration, then a heartbeat
		if _, err := r.Register(ctx); err != nil {
			t.Fatalf("Register = %v, want registered", err)
		}
	}
	p.AddInject("i-1", id)
	if _, injector, _ := p.InjectorOf("i-1"); injector != "acme-scanner_dummy_default" {
		t.Fatalf("the contract's injects go to %q, want the placeholder's", injector)
	}
	warned := placeholderWarnings(lines())
	if len(warned) != 1 || !strings.HasPrefix(warned[0], zapcore.WarnLevel.String()) {
		t.Fatalf("said %q, want one WARN", warned)
	}
	for _, want := range []string{id, `"acme-scanner_dummy"`, "First update each inject", "inject_injector", "new --injector-id", "Do not leave them out"} {
		if !strings.Contains(warned[0], want) {
			t.Errorf("WARN does not name %s: %s", want, warned[0])
		}
	}

	// The fix the WARN gives: each inject made with the contract names
	// this injector, then a new injector id of the type registers. One
	// left naming none is looked up by type, of which the platform then
	// holds two, and runs on none (openaevtest's injectinjector.go).
	p.AddInject("i-2", id)
	p.SetInjectInjector("i-1", binaryAID)
	twin, _ := binaryClient(t, p.URL, binaryBID, "Acme 2", "acme-scanner")
	if _, err := openaev.NewRegistrar(twin, scanManifest()).Register(ctx); err != nil {
		t.Fatal(err)
	}
	if _, injector, _ := p.InjectorOf("i-1"); injector != binaryAID {
		t.Errorf("after a new injector id of the type: injects go to %q, want this injector %s", injector, binaryAID)
	}
	if _, injector, _ := p.InjectorOf("i-2"); injector != "" {
		t.Errorf("an inject naming no injector goes to %q, want none: two injectors of its type", injector)
	}
	if _, err := r.Register(ctx); err != nil {
		t.Fatal(err)
	}
	if n := len(placeholderWarnings(lines())); n != 1 {
		t.Errorf("said %d times after the placeholder went, want the one WARN before", n)
	}
}
