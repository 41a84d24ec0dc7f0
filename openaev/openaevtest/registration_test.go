package openaevtest_test

import (
	"testing"

	"github.com/injectkit/injectkit/openaev/openaevtest"
)

// TestDomainsStored: a domain's blank color is refused only for a name not
// stored yet (DomainService.upserts looks names up first): the preset
// domains and every name a successful registration saved, an earlier
// contract of the same registration included, are taken as they are.
func TestDomainsStored(t *testing.T) {
	domain := func(name, color string) func(c, e map[string]any) {
		return func(c, e map[string]any) {
			e["contract_domains"] = []any{map[string]any{"domain_name": name, "domain_color": color}}
		}
	}
	withID := func(id string, mutate func(c, e map[string]any)) map[string]any {
		ct := nmapContract(mutate)
		ct["contract_id"] = id
		return ct
	}
	tests := []struct {
		name   string
		before [][]map[string]any // registrations made first, whatever they answer
		now    []map[string]any
		want   int
	}{
		{"preset name, empty color", nil, []map[string]any{withID("a", domain("Network", ""))}, 200},
		{"preset name, blank color", nil, []map[string]any{withID("a", domain("To classify", " \t"))}, 200},
		{"preset name in another case", nil, []map[string]any{withID("a", domain("network", ""))}, 500},
		{"new name, empty color", nil, []map[string]any{withID("a", domain("Recon", ""))}, 500},
		{"new name stored by an earlier registration", [][]map[string]any{{withID("a", domain("Recon", "#123456"))}},
			[]map[string]any{withID("b", domain("Recon", ""))}, 200},
		{"new name saved by an earlier contract of the same registration", nil,
			[]map[string]any{withID("a", domain("Recon", "#123456")), withID("b", domain("Recon", ""))}, 200},
		{"new name only in a registration that failed", [][]map[string]any{{withID("a", domain("Recon", "#123456")), withID("", nil)}},
			[]map[string]any{withID("b", domain("Recon", ""))}, 500},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := openaevtest.NewPlatform(t, token, openaevtest.WithVersion(openaevtest.Version24))
			for _, r := range tt.before {
				register(t, p, r...)
			}
			if st, reply := register(t, p, tt.now...); st != tt.want {
				t.Fatalf("status %d, want %d (%v)", st, tt.want, reply)
			}
		})
	}
}

// TestRegistrationBindsFirst: Jackson binds the whole input before the
// handler runs, so a value it refuses in any contract is a 400, even after
// a contract the handler would fail on (a 500).
func TestRegistrationBindsFirst(t *testing.T) {
	bad := nmapContract(func(c, e map[string]any) { e["contract_platforms"] = []any{"Amiga"} })
	bad["contract_id"] = "bad"
	blankID := nmapContract(nil)
	blankID["contract_id"] = " "
	newDomain := nmapContract(func(c, e map[string]any) {
		e["contract_domains"] = []any{map[string]any{"domain_name": "Recon", "domain_color": ""}}
	})
	tests := []struct {
		name      string
		contracts []map[string]any
		want      int
	}{
		{"blank id, then a value Jackson refuses", []map[string]any{blankID, bad}, 400},
		{"new domain with a blank color, then a value Jackson refuses", []map[string]any{newDomain, bad}, 400},
		{"null contract, then a value Jackson refuses", []map[string]any{nil, bad}, 400},
		{"blank id alone", []map[string]any{blankID}, 500},
		{"null contract alone", []map[string]any{nil}, 500},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := openaevtest.NewPlatform(t, token, openaevtest.WithVersion(openaevtest.Version24))
			if st, reply := register(t, p, tt.contracts...); st != tt.want {
				t.Fatalf("status %d, want %d (%v)", st, tt.want, reply)
			}
		})
	}
}
