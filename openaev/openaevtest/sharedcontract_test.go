package openaevtest_test

import (
	"encoding/json"
	"net/http"
	"slices"
	"testing"

	"github.com/injectkit/injectkit/openaev/openaevtest"
)

// registerTyped registers one contract id for injector id, of the
// given name and type, its content's label label.
func registerTyped(t *testing.T, p *openaevtest.Platform, id, name, typ, contract, label string) {
	t.Helper()
	entry := nmapContract(func(c, e map[string]any) { c["label"] = map[string]any{"en": label} })
	entry["contract_id"] = contract
	b, _ := json.Marshal(map[string]any{"injector_id": id, "injector_name": name, "injector_type": typ,
		"injector_contracts": []any{entry}})
	body, ct := multipartBody(t, string(b), "application/json", nil, "")
	if st, reply := post(t, p, "/api/injectors", token, ct, body); st != http.StatusOK {
		t.Fatalf("registration of %s: status %d (%v)", id, st, reply)
	}
}

// TestSharedContractFirstInjectorContentLast: a contract id two
// injectors of different types register is linked to both, the first
// first; its content is the last registration's, and an inject made with
// it is published to the first injector's queue (2.4.0:
// convertInjectorFromInput merged over the stored contract,
// InjectUtils.resolveInjector's first linked injector).
func TestSharedContractFirstInjectorContentLast(t *testing.T) {
	p := openaevtest.NewPlatform(t, token)
	registerTyped(t, p, "inj-a", "scanners A", "vendor-a", "c-1", "A's nmap")
	p.AddInject("i-1", "c-1")
	registerTyped(t, p, "inj-b", "scanners B", "vendor-b", "c-1", "B's nmap")

	if _, injector, _ := p.InjectorOf("i-1"); injector != "inj-a" {
		t.Errorf("InjectorOf = %q, want inj-a (the first linked)", injector)
	}
	st, body := get(t, p, "/api/injector_contracts/c-1")
	if st != http.StatusOK {
		t.Fatalf("GET injector_contract: status %d (%s)", st, body)
	}
	var doc struct {
		Injectors []string          `json:"injector_contract_injectors"`
		Names     map[string]string `json:"injector_contract_injector_names"`
		Type      string            `json:"injector_contract_injector_type"`
		Content   string            `json:"injector_contract_content"`
	}
	if err := json.Unmarshal([]byte(body), &doc); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(doc.Injectors, []string{"inj-a", "inj-b"}) || doc.Type != "vendor-a" || doc.Names["inj-b"] != "scanners B" {
		t.Errorf("contract = %+v, want injectors [inj-a inj-b], type vendor-a", doc)
	}
	var content struct {
		Label map[string]string `json:"label"`
	}
	if err := json.Unmarshal([]byte(doc.Content), &content); err != nil || content.Label["en"] != "B's nmap" {
		t.Errorf("content label %v (%v), want B's: the last registration's", content.Label, err)
	}
	// A heartbeat of A takes the content back; the links stay.
	registerTyped(t, p, "inj-a", "scanners A", "vendor-a", "c-1", "A's nmap")
	_, body = get(t, p, "/api/injector_contracts/c-1")
	_ = json.Unmarshal([]byte(body), &doc)
	_ = json.Unmarshal([]byte(doc.Content), &content)
	if content.Label["en"] != "A's nmap" || !slices.Equal(doc.Injectors, []string{"inj-a", "inj-b"}) {
		t.Errorf("after A's heartbeat: label %q, injectors %v", content.Label["en"], doc.Injectors)
	}
	_, inject := get(t, p, "/api/injects/i-1")
	var in struct {
		Type string `json:"inject_type"`
	}
	if _ = json.Unmarshal([]byte(inject), &in); in.Type != "vendor-a" {
		t.Errorf("inject_type %q, want vendor-a", in.Type)
	}
	if st, _ := get(t, p, "/api/injector_contracts/none"); st != http.StatusNotFound {
		t.Errorf("GET of a contract not held: status %d, want 404", st)
	}
}

// TestInjectorReadNamesItsType: GET /api/injectors/{id} answers the
// injector as its last registration named it (the type a contract's
// second linked injector is of), and 404 for an injector not held.
func TestInjectorReadNamesItsType(t *testing.T) {
	p := openaevtest.NewPlatform(t, token)
	registerTyped(t, p, "inj-b", "scanners B", "vendor-b", "c-1", "B's nmap")
	registerTyped(t, p, "inj-b", "scanners B2", "vendor-b2", "c-1", "B's nmap")
	st, body := get(t, p, "/api/injectors/inj-b")
	var in struct {
		ID   string `json:"injector_id"`
		Name string `json:"injector_name"`
		Type string `json:"injector_type"`
	}
	if st != http.StatusOK || json.Unmarshal([]byte(body), &in) != nil || in.ID != "inj-b" || in.Name != "scanners B2" ||
		in.Type != "vendor-b2" {
		t.Errorf("GET injector: status %d, %+v (%s), want inj-b as last registered", st, in, body)
	}
	if st, _ := get(t, p, "/api/injectors/none"); st != http.StatusNotFound {
		t.Errorf("GET of an injector not held: status %d, want 404", st)
	}
}
