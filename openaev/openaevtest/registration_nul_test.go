package openaevtest_test

import (
	"encoding/json"
	"net/http"
	"testing"

	"github.com/injectkit/injectkit/openaev/openaevtest"
)

// TestRegistrationNUL: U+0000 in what the registration stores or queries
// by fails it as PostgreSQL's JDBC driver refuses it ("Zero bytes may not
// occur in string parameters"): in the injector's name or type, or a
// contract's labels (hstore), at the flush: a 500 for a new injector, a
// 409 for an update; in an attack pattern's id or a domain's name or
// colour, in the handler's query: a 500 either way. Nothing is stored or
// changed. In the contract's content (TEXT, JSON holding the escape
// \u0000) it is text, stored (rule 12).
func TestRegistrationNUL(t *testing.T) {
	const nul = "a\x00b"
	for _, tt := range []struct {
		name          string
		first         bool // registered first as "inj-1", "scanners", "vendor"
		nam, typ      string
		edit          func(map[string]any)
		want          int
		wantViolation bool
	}{
		{"new, name", false, nul, "vendor", nil, http.StatusInternalServerError, false},
		{"new, type", false, "scanners", nul, nil, http.StatusInternalServerError, false},
		{"update, name", true, nul, "vendor", nil, http.StatusConflict, true},
		{"new, label", false, "scanners", "vendor", func(c map[string]any) { c["contract_labels"] = map[string]any{"en": nul} },
			http.StatusInternalServerError, false},
		{"update, label", true, "scanners", "vendor", func(c map[string]any) { c["contract_labels"] = map[string]any{"en": nul} },
			http.StatusConflict, true},
		{"update, label key", true, "scanners", "vendor", func(c map[string]any) { c["contract_labels"] = map[string]any{nul: "x"} },
			http.StatusConflict, true},
		{"new, attack pattern", false, "scanners", "vendor", func(c map[string]any) { c["contract_attack_patterns_external_ids"] = []any{nul} },
			http.StatusInternalServerError, false},
		{"update, attack pattern", true, "scanners", "vendor", func(c map[string]any) { c["contract_attack_patterns_external_ids"] = []any{nul} },
			http.StatusInternalServerError, false},
		{"update, domain name", true, "scanners", "vendor", func(c map[string]any) {
			c["contract_domains"] = []any{map[string]any{"domain_name": nul, "domain_color": "#123456"}}
		}, http.StatusInternalServerError, false},
		{"new, domain colour", false, "scanners", "vendor", func(c map[string]any) {
			c["contract_domains"] = []any{map[string]any{"domain_name": "Network", "domain_color": nul}}
		}, http.StatusInternalServerError, false},
		{"content: the escape, stored", false, "scanners", "vendor", func(c map[string]any) {
			var doc map[string]any
			_ = json.Unmarshal([]byte(c["contract_content"].(string)), &doc)
			doc["label"] = map[string]any{"en": nul}
			b, _ := json.Marshal(doc)
			c["contract_content"] = string(b)
		}, http.StatusOK, false},
		{"without U+0000", true, "renamed", "vendor", nil, http.StatusOK, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			p := openaevtest.NewPlatform(t, token)
			if tt.first {
				registerTyped(t, p, "inj-1", "scanners", "vendor", "c-1", "nmap")
			}
			before, was := get(t, p, "/api/injector_contracts/c-1")
			entry := nmapContract(nil)
			entry["contract_id"] = "c-1"
			if tt.edit != nil {
				tt.edit(entry)
			}
			b, _ := json.Marshal(map[string]any{"injector_id": "inj-1", "injector_name": tt.nam, "injector_type": tt.typ,
				"injector_contracts": []any{entry}})
			body, ct := multipartBody(t, string(b), "application/json", nil, "")
			st, reply := post(t, p, "/api/injectors", token, ct, body)
			if st != tt.want {
				t.Fatalf("status %d (%v), want %d", st, reply, tt.want)
			}
			if got := reply["type"] == "DataIntegrityViolationException"; got != tt.wantViolation {
				t.Errorf("reply %v: a ViolationErrorBag %v, want %v", reply, got, tt.wantViolation)
			}
			after, stored := get(t, p, "/api/injector_contracts/c-1")
			if tt.want != http.StatusOK && (after != before || stored != was) {
				t.Errorf("a refused registration changed contract c-1: %d %s, was %d %s", after, stored, before, was)
			}
			if tt.want == http.StatusOK && after != http.StatusOK {
				t.Errorf("contract c-1 not stored: %d", after)
			}
		})
	}
}
