package openaev_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"go.uber.org/zap/zapcore"

	"github.com/injectkit/injectkit/framework"
	"github.com/injectkit/injectkit/internal/testkit"
	"github.com/injectkit/injectkit/openaev"
	"github.com/injectkit/injectkit/openaev/openaevtest"
	"github.com/injectkit/injectkit/serve"
)

// Two binaries' deployments, each serving an injector named "scan".
const (
	binaryAID = "0a7c3e1b-1d2f-4c5a-8b9e-6f1a2b3c4d5e"
	binaryBID = "9e8d7c6b-5a4f-4e3d-9c2b-1a0f9e8d7c6b"
)

// binaryClient is the client of one binary's deployment: its injector id,
// name and type.
func binaryClient(t *testing.T, url, id, name, typ string) (*openaev.Client, func() []string) {
	t.Helper()
	log, logs := testkit.Logger()
	c, err := openaev.NewClient(openaev.Config{URL: url, Token: testToken, InjectorID: id, InjectorName: name, InjectorType: typ},
		openaev.WithLogger(log), openaev.WithRetry(1, time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	return c, func() []string {
		var out []string
		for _, e := range logs.All() {
			out = append(out, e.Level.String()+" "+e.Message+" "+fmt.Sprint(e.ContextMap()))
		}
		return out
	}
}

// scanManifest is the "scan" injector both binaries serve.
func scanManifest() []framework.Manifest {
	m := nmapShaped()
	m.Name = "scan"
	return []framework.Manifest{m}
}

// contractLabel is the English label of the content the platform holds
// for contract id.
func contractLabel(t *testing.T, p *openaevtest.Platform, id string) string {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, p.URL+"/api/injector_contracts/"+id, nil)
	req.Header.Set("Authorization", "Bearer "+testToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var doc struct {
		Content string `json:"injector_contract_content"`
	}
	var content struct {
		Label map[string]string `json:"label"`
	}
	if json.NewDecoder(resp.Body).Decode(&doc) != nil || json.Unmarshal([]byte(doc.Content), &content) != nil {
		t.Fatalf("contract %s: status %d, no content", id, resp.StatusCode)
	}
	return content.Label["en"]
}

// TestSharedContractHarm shows what the guard prevents: binary B's
// registration (Client.Register, no Registrar) of an injector named as
// binary A's replaces the contract's content with B's, and an inject
// made for B's injector is published to A's queue.
func TestSharedContractHarm(t *testing.T) {
	p := openaevtest.NewPlatform(t, testToken)
	registeredA(t, p)
	registeredB(t, p)
	id := openaev.ContractID("scan")
	p.AddInject("i-for-b", id)
	if _, injector, _ := p.InjectorOf("i-for-b"); injector != binaryAID {
		t.Errorf("an inject made after B registered goes to %q, want A's %s (the first linked)", injector, binaryAID)
	}
	if got := contractLabel(t, p, id); got != "InjectKit - scan" {
		t.Errorf("contract label %q, want B's, the last registration's", got)
	}
}

// TestRegistrarRefusesAContractAnotherTypeHolds is the platform tester's
// finding: binary B's Registrar, whose injector "scan" has the contract
// id binary A's registered, refuses to register (a permanent
// *ValidationError on injector_type naming the contract, A's injector
// and type and its own, and the fix), and registers nothing: A keeps its
// contract's content and its injects. A second deployment of A's type,
// or A itself again, registers.
func TestRegistrarRefusesAContractAnotherTypeHolds(t *testing.T) {
	p := openaevtest.NewPlatform(t, testToken)
	ctx := context.Background()
	registeredA(t, p)
	id := openaev.ContractID("scan")

	b, _ := binaryClient(t, p.URL, binaryBID, "InjectKit", "injectkit")
	_, err := openaev.NewRegistrar(b, scanManifest()).Register(ctx)
	var ve *openaev.ValidationError
	if !errors.As(err, &ve) || !serve.IsPermanent(err) || ve.Field != "injector_type" {
		t.Fatalf("Register = %v, want a permanent *ValidationError on injector_type", err)
	}
	for _, want := range []string{id, `"Acme"`, binaryAID, `"acme-scanner"`, `"injectkit"`, `"InjectKit"`, "injector scan's",
		"--injectors", "rename it", "give that type back", "nothing was registered"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error does not name %s: %v", want, err)
		}
	}
	if n := len(p.CallsOf(openaevtest.KindRegistration)); n != 1 {
		t.Errorf("%d registrations, want A's alone", n)
	}
	if got := contractLabel(t, p, id); got != "Acme - scan" {
		t.Errorf("contract label %q, want A's", got)
	}

	// Another deployment of A's type (the same binary), and A again.
	twin, _ := binaryClient(t, p.URL, binaryBID, "Acme 2", "acme-scanner")
	if _, err := openaev.NewRegistrar(twin, scanManifest()).Register(ctx); err != nil {
		t.Errorf("a deployment of the same type: %v", err)
	}
	again, _ := binaryClient(t, p.URL, binaryAID, "Acme", "acme-scanner")
	if _, err := openaev.NewRegistrar(again, scanManifest()).Register(ctx); err != nil {
		t.Errorf("A again: %v", err)
	}
}

// TestRegistrarClashReadFails: a read of the contracts that fails is
// said once, at INFO, and the registration goes ahead.
func TestRegistrarClashReadFails(t *testing.T) {
	p := openaevtest.NewPlatform(t, testToken)
	c, lines := binaryClient(t, p.URL, binaryAID, "Acme", "acme-scanner")
	p.FailInjectorContract(http.StatusInternalServerError, 1)
	if _, err := openaev.NewRegistrar(c, scanManifest()).Register(context.Background()); err != nil {
		t.Fatal(err)
	}
	said := 0
	for _, l := range lines() {
		if strings.Contains(l, "contracts this registration declares were not all read") {
			said++
			if !strings.HasPrefix(l, zapcore.InfoLevel.String()) {
				t.Errorf("said as %q, want INFO", l)
			}
		}
	}
	if said != 1 {
		t.Errorf("said %d times, want once", said)
	}
}

// TestRegistrarTakesADummyInjectorsContract: a contract a starter-pack
// import linked to the placeholder injector of our type ("<type>_dummy")
// is no clash: the platform deletes the placeholder when our injector,
// new to it, registers, and the contract's injects come here, unsaid.
func TestRegistrarTakesADummyInjectorsContract(t *testing.T) {
	p := openaevtest.NewPlatform(t, testToken)
	ctx := context.Background()
	id := openaev.ContractID("scan")
	p.ImportContract(id, "acme-scanner", "Acme", `{"label":{"en":"imported"}}`)
	a, lines := binaryClient(t, p.URL, binaryBID, "Acme", "acme-scanner")
	if _, err := openaev.NewRegistrar(a, scanManifest()).Register(ctx); err != nil {
		t.Errorf("Register = %v, want the dummy's contract taken", err)
	}
	p.AddInject("i-1", id)
	if _, injector, _ := p.InjectorOf("i-1"); injector != binaryBID {
		t.Errorf("the contract's injects go to %q, want this injector", injector)
	}
	if warned := placeholderWarnings(lines()); len(warned) != 0 {
		t.Errorf("said %q, want nothing", warned)
	}
}

// sharedWarnings returns the WARN lines of lines that say a contract is
// shared with another type's injector.
func sharedWarnings(lines []string) []string {
	return linesSaying(lines, "linked to another binary's injector too")
}

// linesSaying returns the lines of lines that hold s, in order.
func linesSaying(lines []string, s string) []string {
	var out []string
	for _, l := range lines {
		if strings.Contains(l, s) {
			out = append(out, l)
		}
	}
	return out
}

// TestRegistrarWarnsOfAContractAnotherTypeShares: binary A's contract,
// linked to A first, then to binary B's injector of another type (B
// registered it without the guard), is overwritten by B's content at
// each of B's heartbeats: A's Registrar, started again, registers (the
// injects come to A) and says so once at WARN, naming both types, B's
// injector and what to do.
func TestRegistrarWarnsOfAContractAnotherTypeShares(t *testing.T) {
	p := openaevtest.NewPlatform(t, testToken)
	ctx := context.Background()
	registeredA(t, p)
	registeredB(t, p)
	id := openaev.ContractID("scan")
	if got := contractLabel(t, p, id); got != "InjectKit - scan" {
		t.Fatalf("contract label %q, want B's (B overwrote A's)", got)
	}

	again, lines := binaryClient(t, p.URL, binaryAID, "Acme", "acme-scanner")
	if _, err := openaev.NewRegistrar(again, scanManifest()).Register(ctx); err != nil {
		t.Fatalf("Register = %v, want registered: the contract's injects come to A", err)
	}
	warned := sharedWarnings(lines())
	if len(warned) != 1 || !strings.HasPrefix(warned[0], zapcore.WarnLevel.String()) {
		t.Fatalf("said %q, want one WARN", warned)
	}
	for _, want := range []string{id, `"InjectKit"`, binaryBID, `"injectkit"`, "acme-scanner", "injector scan's",
		"at every heartbeat", "one binary only", "delete the contract"} {
		if !strings.Contains(warned[0], want) {
			t.Errorf("WARN does not name %s: %s", want, warned[0])
		}
	}
	if got := contractLabel(t, p, id); got != "Acme - scan" {
		t.Errorf("contract label %q, want A's again", got)
	}
}

// registeredA returns binary A's Registrar (injector_type acme-scanner)
// and its log lines once it registered the scan injector on p through
// the Registrar's guard.
func registeredA(t *testing.T, p *openaevtest.Platform) (*openaev.Registrar, func() []string) {
	t.Helper()
	a, lines := binaryClient(t, p.URL, binaryAID, "Acme", "acme-scanner")
	r := openaev.NewRegistrar(a, scanManifest())
	if _, err := r.Register(context.Background()); err != nil {
		t.Fatal(err)
	}
	return r, lines
}

// registeredB returns binary B's client (injector_type injectkit) once it
// registered the scan injector on p bare (Client.Register, without the
// Registrar's guard), as a binary of an earlier version would.
func registeredB(t *testing.T, p *openaevtest.Platform) *openaev.Client {
	t.Helper()
	b, _ := binaryClient(t, p.URL, binaryBID, "InjectKit", "injectkit")
	if _, err := b.Register(context.Background(), scanManifest(), false); err != nil {
		t.Fatal(err)
	}
	return b
}
