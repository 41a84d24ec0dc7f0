package builtin_test

import (
	"context"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/injectkit/injectkit/framework"
	"github.com/injectkit/injectkit/injectors/builtin"
	"github.com/injectkit/injectkit/openaev"
	"github.com/injectkit/injectkit/openaev/openaevtest"
)

// TestReferenceContractsAsThePlatformStoresThem: serve's registration of
// the four reference injectors in one request, against the strict stand-in
// of 2.4.0 and of the current line, each holding the ATT&CK techniques
// the contracts name (as after its MITRE import), is accepted, and the
// platform stores each contract with the manifest's platforms, attack
// patterns and domains, as an atomic test, not manual, labelled
// "injectkit - NAME", its outputs readable when a result is processed.
// Registered again (serve's heartbeat), the contracts are updated in
// place: noop's, declaring no domain, gets the platform's "To classify",
// the others keep theirs.
func TestReferenceContractsAsThePlatformStoresThem(t *testing.T) {
	reg := framework.NewRegistry()
	builtin.Register(reg)
	var manifests []framework.Manifest
	for _, name := range reg.Names() {
		ex, err := reg.New(name)
		if err != nil {
			t.Fatal(err)
		}
		m, _, err := reg.Manifest(name, ex)
		if err != nil {
			t.Fatal(err)
		}
		manifests = append(manifests, m)
	}
	const token = "builtin-token"
	for _, v := range []openaevtest.Version{openaevtest.Version24, openaevtest.Current} {
		t.Run(v.String(), func(t *testing.T) {
			p := openaevtest.NewPlatform(t, token, openaevtest.WithVersion(v))
			var techniques []string
			for _, m := range manifests {
				techniques = append(techniques, m.AttackPatterns...)
			}
			p.AddAttackPatterns(techniques...)
			c, err := openaev.NewClient(openaev.Config{URL: p.URL, Token: token,
				InjectorID: "6a1c2c4e-2c5f-4a8e-9d3b-1f0e2d3c4b5a"}, openaev.WithRetry(1, time.Millisecond))
			if err != nil {
				t.Fatal(err)
			}
			for round := range 2 {
				if _, err := c.Register(context.Background(), manifests, false); err != nil {
					t.Fatalf("registration %d: %v", round, err)
				}
				for _, m := range manifests {
					id := openaev.ContractID(m.Name)
					got, ok := p.Contract(id)
					if !ok {
						t.Fatalf("registration %d: %s's contract %s not stored", round, m.Name, id)
					}
					label := "injectkit - " + m.Name
					want := openaevtest.StoredContract{Labels: map[string]string{"en": label, "fr": label},
						Platforms: append([]string{}, m.Platforms...), AttackPatterns: slices.Sorted(slices.Values(m.AttackPatterns)),
						Domains: []string{}, AtomicTesting: true}
					want.AttackPatterns = append([]string{}, want.AttackPatterns...)
					for _, d := range m.Domains {
						want.Domains = append(want.Domains, d.Name)
					}
					if len(want.Domains) == 0 && round > 0 {
						want.Domains = []string{"To classify"}
					}
					if !reflect.DeepEqual(got, want) {
						t.Errorf("registration %d: %s stored %+v\nwant %+v", round, m.Name, got, want)
					}
					if outs, _ := p.ContractOutputs(id); len(outs) == 0 {
						t.Errorf("registration %d: %s's contract declares no output the platform reads", round, m.Name)
					}
				}
			}
			for i, r := range p.Registrations() {
				if r.Status != 200 {
					t.Errorf("registration %d answered %d: %s", i, r.Status, r.Reason)
				}
			}
		})
	}
}
