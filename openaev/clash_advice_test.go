package openaev_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/injectkit/injectkit/framework"
	"github.com/injectkit/injectkit/openaev"
	"github.com/injectkit/injectkit/openaev/openaevtest"
)

// TestClashRefusalAdviceDeletesNothing: the refusal to register a
// contract another type's injector holds gives only advice that deletes
// no contract, and following it leaves the other binary's contract and
// its injects in place. The other binary leaving the contract out would
// delete it for both (OpenAEV 2.4.0's updateExistingExternalInjector), so
// the advice never says to; nor, once this injector id is linked to it
// (a daemon of this id registered it unguarded), to leave it out here:
// then it says to start again under another --injector-id.
func TestClashRefusalAdviceDeletesNothing(t *testing.T) {
	id := openaev.ContractID("scan")
	other := nmapShaped()
	other.Name = "other"
	refusal := func(t *testing.T, p *openaevtest.Platform) string {
		t.Helper()
		b, _ := binaryClient(t, p.URL, binaryBID, "InjectKit", "injectkit")
		_, err := openaev.NewRegistrar(b, append([]framework.Manifest{other}, scanManifest()...)).Register(context.Background())
		var ve *openaev.ValidationError
		if !errors.As(err, &ve) {
			t.Fatalf("Register = %v, want the refusal", err)
		}
		if strings.Contains(err.Error(), "or there") || strings.Contains(err.Error(), "leave it out of --injectors in one") ||
			strings.Contains(err.Error(), "delete that injector") {
			t.Errorf("the refusal advises what deletes the contract: %v", err)
		}
		return err.Error()
	}
	stillA := func(t *testing.T, p *openaevtest.Platform) {
		t.Helper()
		if _, held := p.ContractOutputs(id); !held {
			t.Errorf("contract %s deleted", id)
		}
		for _, c := range p.CallsOf(openaevtest.KindRegistration) {
			if slices.Contains(c.DeletedContracts, id) {
				t.Errorf("a registration deleted contract %s", id)
			}
		}
		p.AddInject("i-a", id)
		if _, injector, _ := p.InjectorOf("i-a"); injector != binaryAID {
			t.Errorf("A's injects go to %q, want A", injector)
		}
	}
	setup := func(t *testing.T) *openaevtest.Platform {
		p := openaevtest.NewPlatform(t, testToken)
		registeredA(t, p)
		return p
	}

	t.Run("this id not linked", func(t *testing.T) {
		p := setup(t)
		msg := refusal(t, p)
		for _, want := range []string{"leave it out of --injectors here", "not in the other binary"} {
			if !strings.Contains(msg, want) {
				t.Errorf("refusal does not say %q: %s", want, msg)
			}
		}
		// Followed: B serves its other injectors, scan left out here.
		b, _ := binaryClient(t, p.URL, binaryBID, "InjectKit", "injectkit")
		if _, err := openaev.NewRegistrar(b, []framework.Manifest{other}).Register(context.Background()); err != nil {
			t.Fatal(err)
		}
		stillA(t, p)
		if got := contractLabel(t, p, id); got != "Acme - scan" {
			t.Errorf("contract label %q, want A's", got)
		}
	})
	t.Run("this id linked", func(t *testing.T) {
		p := setup(t)
		// An earlier daemon of B's id registered it unguarded.
		unguarded, _ := binaryClient(t, p.URL, binaryBID, "InjectKit", "injectkit")
		if _, err := unguarded.Register(context.Background(), append([]framework.Manifest{other}, scanManifest()...), false); err != nil {
			t.Fatal(err)
		}
		msg := refusal(t, p)
		if !strings.Contains(msg, "another --injector-id") || strings.Contains(msg, "leave it out of --injectors here") {
			t.Errorf("refusal, this id linked, does not say to start under another --injector-id only: %s", msg)
		}
		// Followed: B starts again under another id, without scan.
		const newID = "5b4a3c2d-1e0f-4a9b-8c7d-6e5f4a3b2c1d"
		b, _ := binaryClient(t, p.URL, newID, "InjectKit", "injectkit")
		if _, err := openaev.NewRegistrar(b, []framework.Manifest{other}).Register(context.Background()); err != nil {
			t.Fatal(err)
		}
		stillA(t, p)
	})
}
