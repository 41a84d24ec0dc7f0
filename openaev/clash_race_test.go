package openaev_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"go.uber.org/zap/zapcore"

	"github.com/injectkit/injectkit/internal/testkit"
	"github.com/injectkit/injectkit/openaev"
	"github.com/injectkit/injectkit/openaev/openaevtest"
	"github.com/injectkit/injectkit/serve"
)

// TestRegistrarRefusesARegistrationThatCrossedAnother: binaries A and B,
// of different types, start at once: each reads the contract free (a
// 404) before the other registers, so neither refuses then; B's
// registration lands first. A reads the contract again right after its
// first registration and refuses, before consuming any inject (a
// permanent *ValidationError on injector_type naming B, both types and
// what to do: the platform sends the contract's injects to B); B, linked
// first, goes on, and its next heartbeat says at WARN that A shares it.
func TestRegistrarRefusesARegistrationThatCrossedAnother(t *testing.T) {
	p := openaevtest.NewPlatform(t, testToken)
	ctx := context.Background()
	b, bLines := binaryClient(t, p.URL, binaryBID, "InjectKit", "injectkit")
	rb := openaev.NewRegistrar(b, scanManifest())

	// A's platform is p behind a proxy that, when A's first registration
	// arrives (A having read the contract free), lets B start whole first.
	proxy := testkit.ReverseProxy(t, p.URL)
	var once sync.Once
	front := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		if req.Method == http.MethodPost && req.URL.Path == "/api/injectors" {
			once.Do(func() {
				if _, err := rb.Register(req.Context()); err != nil {
					t.Errorf("B's registration: %v", err)
				}
			})
		}
		proxy.ServeHTTP(w, req)
	}))
	t.Cleanup(front.Close)
	a, _ := binaryClient(t, front.URL, binaryAID, "Acme", "acme-scanner")
	_, err := openaev.NewRegistrar(a, scanManifest()).Register(ctx)
	var ve *openaev.ValidationError
	if !errors.As(err, &ve) || !serve.IsPermanent(err) || ve.Field != "injector_type" {
		t.Fatalf("A's Register = %v, want a permanent *ValidationError on injector_type", err)
	}
	if n := len(p.CallsOf(openaevtest.KindRegistration)); n != 2 {
		t.Fatalf("%d registrations, want both binaries' (they crossed)", n)
	}
	id := openaev.ContractID("scan")
	for _, want := range []string{id, `"InjectKit"`, binaryBID, `"injectkit"`, `"acme-scanner"`, "crossed",
		"stops before consuming", "--injector-id", "delete it"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error does not name %s: %v", want, err)
		}
	}
	if strings.Contains(err.Error(), "nothing was registered") {
		t.Errorf("error says nothing was registered, but A registered: %v", err)
	}
	if _, injector, _ := func() (string, string, bool) { p.AddInject("i-1", id); return p.InjectorOf("i-1") }(); injector != binaryBID {
		t.Errorf("the contract's inject goes to %q, want B's %s, the first linked", injector, binaryBID)
	}

	if _, err := rb.Register(ctx); err != nil {
		t.Fatalf("B's heartbeat: %v", err)
	}
	shared := sharedWarnings(bLines())
	if len(shared) != 1 || !strings.HasPrefix(shared[0], zapcore.WarnLevel.String()) || !strings.Contains(shared[0], binaryAID) {
		t.Errorf("B said %q, want one WARN that A's injector shares the contract", shared)
	}
}

// TestRegistrarHeartbeatSaysAContractHeldSince: a contract another
// type's injector holds first by a heartbeat of this daemon (linked to it
// while this one was not: stand-in's Unlink) is said at WARN, once, and
// the heartbeat registers: a daemon does not die, nor stop consuming,
// from a heartbeat's finding.
func TestRegistrarHeartbeatSaysAContractHeldSince(t *testing.T) {
	p := openaevtest.NewPlatform(t, testToken)
	ctx := context.Background()
	r, lines := registeredA(t, p)
	p.Unlink(binaryAID)
	registeredB(t, p)
	for range 2 {
		if _, err := r.Register(ctx); err != nil {
			t.Fatalf("heartbeat: %v, want registered", err)
		}
	}
	held := heldWarnings(lines())
	if len(held) != 1 || !strings.HasPrefix(held[0], zapcore.WarnLevel.String()) {
		t.Fatalf("said %q, want one WARN", held)
	}
	for _, want := range []string{openaev.ContractID("scan"), binaryBID, `"injectkit"`, "acme-scanner", "is held by",
		"keeps registering", "one binary only"} {
		if !strings.Contains(held[0], want) {
			t.Errorf("WARN does not name %s: %s", want, held[0])
		}
	}
}

// TestRegistrarRefusesAHeldContractWhenAnInjectorIsUnread: the type of
// an injector linked after the first is read with GET /api/injectors/{id},
// READ on INJECTOR, which a token may lack (a 403); the contract itself
// is an open resource and names the first's type: a contract another
// type's injector holds first is refused all the same, and the read that
// failed is said once, at INFO.
func TestRegistrarRefusesAHeldContractWhenAnInjectorIsUnread(t *testing.T) {
	p := openaevtest.NewPlatform(t, testToken)
	ctx := context.Background()
	a, _ := binaryClient(t, p.URL, binaryAID, "Acme", "acme-scanner")
	if _, err := a.Register(ctx, scanManifest(), false); err != nil {
		t.Fatal(err)
	}
	third, _ := binaryClient(t, p.URL, "5c4b3a29-1807-4f6e-9d5c-4b3a29180706", "Other", "other-scanner")
	if _, err := third.Register(ctx, scanManifest(), false); err != nil {
		t.Fatal(err)
	}
	p.FailInjector(http.StatusForbidden, 10)
	b, lines := binaryClient(t, p.URL, binaryBID, "InjectKit", "injectkit")
	_, err := openaev.NewRegistrar(b, scanManifest()).Register(ctx)
	var ve *openaev.ValidationError
	if !errors.As(err, &ve) || !serve.IsPermanent(err) || !strings.Contains(err.Error(), binaryAID) {
		t.Fatalf("Register = %v, want the refusal naming A's injector, linked first", err)
	}
	said := 0
	for _, l := range lines() {
		if strings.Contains(l, "contracts this registration declares were not all read") {
			said++
		}
	}
	if said != 1 {
		t.Errorf("the failed read said %d times, want once", said)
	}
}

// TestRegistrarRefusalAfterAnUnreadContractSaysSo: the read of a contract
// before the first registration fails (a 503: the registration goes
// ahead), while another type's injector holds it already: the read right
// after the registration finds it held and refuses, and the refusal says
// that the read before the registration failed, not only that the two
// registrations crossed, each reading the contract free, which this
// daemon never saw.
func TestRegistrarRefusalAfterAnUnreadContractSaysSo(t *testing.T) {
	p := openaevtest.NewPlatform(t, testToken)
	ctx := context.Background()
	registeredB(t, p)
	p.FailInjectorContract(http.StatusServiceUnavailable, 1)
	a, _ := binaryClient(t, p.URL, binaryAID, "Acme", "acme-scanner")
	_, err := openaev.NewRegistrar(a, scanManifest()).Register(ctx)
	var ve *openaev.ValidationError
	if !errors.As(err, &ve) || !serve.IsPermanent(err) || ve.Field != "injector_type" {
		t.Fatalf("Register = %v, want a permanent *ValidationError on injector_type", err)
	}
	if n := len(p.CallsOf(openaevtest.KindRegistration)); n != 2 {
		t.Fatalf("%d registrations, want B's and A's (its read failed, it went ahead)", n)
	}
	for _, want := range []string{binaryBID, "a read before it failed", "--injector-id"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error does not say %s: %v", want, err)
		}
	}
	if strings.Contains(err.Error(), "crossed, each reading the contract free") {
		t.Errorf("error says both read the contract free, but this daemon's read failed: %v", err)
	}
}
