package openaevtest_test

import (
	"encoding/json"
	"net/http"
	"slices"
	"testing"

	"github.com/injectkit/injectkit/openaev/openaevtest"
)

// registerInjector registers contracts (by id, each nmap-shaped) for
// injector id, and fails the test unless the platform answers 200.
func registerInjector(t *testing.T, p *openaevtest.Platform, injector string, ids ...string) {
	t.Helper()
	contracts := make([]map[string]any, 0, len(ids))
	for _, id := range ids {
		contracts = append(contracts, nmapContract(func(c, e map[string]any) { c["contract_id"] = id }))
		contracts[len(contracts)-1]["contract_id"] = id
	}
	b, _ := json.Marshal(map[string]any{"injector_id": injector, "injector_name": "n", "injector_type": "t",
		"injector_contracts": contracts})
	body, ct := multipartBody(t, string(b), "application/json", nil, "")
	if st, reply := post(t, p, "/api/injectors", token, ct, body); st != http.StatusOK {
		t.Fatalf("registration of %s %v: status %d (%v)", injector, ids, st, reply)
	}
}

// TestReregistrationDeletesLeftOutContracts: a registration of an
// injector the platform holds deletes the contracts it leaves out, and
// the injects made with them (InjectorService.updateExistingExternalInjector,
// ON DELETE CASCADE); another injector's contracts and injects stay.
func TestReregistrationDeletesLeftOutContracts(t *testing.T) {
	tests := []struct {
		name          string
		first, second []string // inj-1's contracts, registered in turn
		wantContracts []string // inj-1's contracts then (GET …/injector_contracts)
		wantGone      []string // the injects deleted (one per contract, "i-"+id)
	}{
		{"the same contracts", []string{"a", "b"}, []string{"a", "b"}, []string{"a", "b"}, nil},
		{"one left out", []string{"a", "b"}, []string{"a"}, []string{"a"}, []string{"i-b"}},
		{"all replaced", []string{"a", "b"}, []string{"c"}, []string{"c"}, []string{"i-a", "i-b"}},
		{"one added", []string{"a"}, []string{"a", "b"}, []string{"a", "b"}, nil},
		// inj-2 registered "other" too: linked to both, deleted for both.
		{"a contract another injector registered too, left out", []string{"a", "other"}, []string{"a"}, []string{"a"},
			[]string{"i-other"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := openaevtest.NewPlatform(t, token)
			registerInjector(t, p, "inj-1", tt.first...)
			registerInjector(t, p, "inj-2", "other")
			for _, id := range tt.first {
				p.AddInject("i-"+id, id)
			}
			p.AddInject("i-other", "other")
			registerInjector(t, p, "inj-1", tt.second...)

			calls := p.CallsOf(openaevtest.KindRegistration)
			last := calls[len(calls)-1]
			if !slices.Equal(last.DeletedInjects, tt.wantGone) {
				t.Errorf("Call.DeletedInjects %v, want %v", last.DeletedInjects, tt.wantGone)
			}
			for _, id := range slices.Compact(slices.Sorted(slices.Values(append(slices.Clone(tt.first), "other")))) {
				st, _ := get(t, p, "/api/injects/i-"+id)
				want := http.StatusOK
				if slices.Contains(tt.wantGone, "i-"+id) {
					want = http.StatusNotFound
				}
				if st != want {
					t.Errorf("GET inject i-%s: status %d, want %d", id, st, want)
				}
				_, registered := p.ContractOutputs(id)
				if registered != (want == http.StatusOK) {
					t.Errorf("contract %s registered: %v, want %v", id, registered, want == http.StatusOK)
				}
			}
			st, body := get(t, p, "/api/injectors/inj-1/injector_contracts")
			if st != http.StatusOK {
				t.Fatalf("GET injector_contracts: status %d (%s)", st, body)
			}
			var contents []struct {
				ID string `json:"contract_id"`
			}
			if err := json.Unmarshal([]byte(body), &contents); err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, c := range contents {
				got = append(got, c.ID)
			}
			if !slices.Equal(got, tt.wantContracts) {
				t.Errorf("inj-1's contracts %v, want %v", got, tt.wantContracts)
			}
		})
	}
}

// TestInjectorContractsUnknownInjector: the contracts of an injector the
// platform does not hold are a 404 (findById(…).orElseThrow).
func TestInjectorContractsUnknownInjector(t *testing.T) {
	p := openaevtest.NewPlatform(t, token)
	if st, body := get(t, p, "/api/injectors/nobody/injector_contracts"); st != http.StatusNotFound {
		t.Fatalf("status %d (%s), want 404", st, body)
	}
}
