package openaevtest_test

import (
	"encoding/json"
	"reflect"
	"testing"

	"github.com/injectkit/injectkit/openaev/openaevtest"
)

// TestContractStored: what the platform stores of a registered contract
// (stored.go): platforms by their PLATFORM_TYPE names, the attack patterns
// it holds that the input names (matched whole, case aside; any other
// dropped silently), labels and flags as bound, and domains as a new
// contract takes them or an update merges them (DomainService.mergeDomains:
// never taken away, "To classify" for a contract left without any).
func TestContractStored(t *testing.T) {
	const id = "0b7f3674-ac5d-4b95-b749-6665e74a211f"
	domains := func(names ...string) []any {
		list := []any{}
		for _, n := range names {
			list = append(list, map[string]any{"domain_name": n, "domain_color": "#009933"})
		}
		return list
	}
	// reg is one registration: injector inj registers the contract with
	// entry's keys set as given.
	type reg struct {
		inj      string
		payloads bool
		set      map[string]any
	}
	base := openaevtest.StoredContract{Labels: map[string]string{"en": "Nmap - SYN Scan"}, Platforms: []string{},
		AttackPatterns: []string{"T1046"}, Domains: []string{"Network"}, AtomicTesting: true}
	with := func(change func(s *openaevtest.StoredContract)) openaevtest.StoredContract {
		s := base
		change(&s)
		return s
	}
	tests := []struct {
		name    string
		version openaevtest.Version
		held    []string // attack patterns the platform holds
		regs    []reg
		want    openaevtest.StoredContract
	}{
		{"as pyoaev registers it", openaevtest.Version24, []string{"T1046"}, []reg{{inj: "a"}}, base},
		{"platforms by name, trimmed, and by index on 2.4.0", openaevtest.Version24, []string{"T1046"},
			[]reg{{inj: "a", set: map[string]any{"contract_platforms": []any{" Linux", json.Number("1"), "MacOS"}}}},
			with(func(s *openaevtest.StoredContract) { s.Platforms = []string{"Linux", "Windows", "MacOS"} })},
		{"attack patterns the platform does not hold", openaevtest.Current, nil, []reg{{inj: "a"}},
			with(func(s *openaevtest.StoredContract) { s.AttackPatterns = []string{} })},
		{"attack patterns matched whole, case aside, as held", openaevtest.Current, []string{"T1046", "T1596.005", "T1595"},
			[]reg{{inj: "a", set: map[string]any{"contract_attack_patterns_external_ids": []any{"t1046", "T1046 ", "t1596.005", "T1596", "T1595.001", "T9999"}}}},
			with(func(s *openaevtest.StoredContract) { s.AttackPatterns = []string{"T1046", "T1596.005"} })},
		{"labels as text, flags as bound", openaevtest.Version24, []string{"T1046"},
			[]reg{{inj: "a", set: map[string]any{"contract_labels": map[string]any{"en": "x", "fr": json.Number("5"), "de": nil},
				"contract_manual": "TRUE", "is_atomic_testing": nil}}},
			with(func(s *openaevtest.StoredContract) {
				s.Labels, s.Manual, s.AtomicTesting = map[string]string{"en": "x", "fr": "5", "de": ""}, true, false
			})},
		{"no domains on a new contract", openaevtest.Current, []string{"T1046"},
			[]reg{{inj: "a", set: map[string]any{"contract_domains": domains()}}},
			with(func(s *openaevtest.StoredContract) { s.Domains = []string{} })},
		{"no domains, registered again: To classify", openaevtest.Current, []string{"T1046"},
			[]reg{{inj: "a", set: map[string]any{"contract_domains": domains()}}, {inj: "a", set: map[string]any{"contract_domains": domains()}}},
			with(func(s *openaevtest.StoredContract) { s.Domains = []string{"To classify"} })},
		{"To classify, then a domain: the domain alone", openaevtest.Current, []string{"T1046"},
			[]reg{{inj: "a", set: map[string]any{"contract_domains": domains("To classify")}}, {inj: "a", set: map[string]any{"contract_domains": domains("Cloud")}}},
			with(func(s *openaevtest.StoredContract) { s.Domains = []string{"Cloud"} })},
		{"a domain changed: both kept", openaevtest.Current, []string{"T1046"},
			[]reg{{inj: "a"}, {inj: "a", set: map[string]any{"contract_domains": domains("Cloud")}}},
			with(func(s *openaevtest.StoredContract) { s.Domains = []string{"Cloud", "Network"} })},
		{"a domain left out: kept", openaevtest.Version24, []string{"T1046"},
			[]reg{{inj: "a"}, {inj: "a", set: map[string]any{"contract_domains": domains()}}}, base},
		{"another injector's contract: a new one, its domains the input's", openaevtest.Current, []string{"T1046"},
			[]reg{{inj: "a"}, {inj: "b", set: map[string]any{"contract_domains": domains("Cloud")}}},
			with(func(s *openaevtest.StoredContract) { s.Domains = []string{"Cloud"} })},
		{"an injector with payloads: none, then its own kept", openaevtest.Current, []string{"T1046"},
			[]reg{{inj: "a", payloads: true}, {inj: "a", set: map[string]any{"contract_domains": domains()}}, {inj: "a", payloads: true}},
			with(func(s *openaevtest.StoredContract) { s.Domains = []string{"To classify"} })},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := openaevtest.NewPlatform(t, token, openaevtest.WithVersion(tt.version))
			p.AddAttackPatterns(tt.held...)
			for i, r := range tt.regs {
				entry := nmapContract(nil)
				for k, v := range r.set {
					entry[k] = v
				}
				b, _ := json.Marshal(map[string]any{"injector_id": r.inj, "injector_name": "n", "injector_type": "t",
					"injector_payloads": r.payloads, "injector_contracts": []any{entry}})
				body, ct := multipartBody(t, string(b), "application/json", nil, "")
				if st, reply := post(t, p, "/api/injectors", token, ct, body); st != 200 {
					t.Fatalf("registration %d: status %d (%v)", i, st, reply)
				}
			}
			got, ok := p.Contract(id)
			if !ok {
				t.Fatal("contract not stored")
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("stored %+v\nwant   %+v", got, tt.want)
			}
		})
	}
}
