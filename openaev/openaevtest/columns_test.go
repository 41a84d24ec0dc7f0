package openaevtest_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/injectkit/injectkit/openaev/openaevtest"
)

// TestInjectorColumnsTooLong: the injectors table stores at most 255
// characters of an injector's id, name and type (varchar(255)): a longer
// one fails the registration after it bound and validated, a 500 for a
// new injector, a 409 for an update, nothing stored or changed; 255
// characters of two bytes each are taken (PostgreSQL counts characters).
func TestInjectorColumnsTooLong(t *testing.T) {
	long := strings.Repeat("n", openaevtest.MaxInjectorColumn+1)
	wide := strings.Repeat("é", openaevtest.MaxInjectorColumn)
	names := func(t *testing.T, p *openaevtest.Platform) map[string]string {
		t.Helper()
		st, body := get(t, p, "/api/injector_contracts/c-1")
		if st != http.StatusOK {
			return nil
		}
		var doc struct {
			Names map[string]string `json:"injector_contract_injector_names"`
		}
		if err := json.Unmarshal([]byte(body), &doc); err != nil {
			t.Fatal(err)
		}
		return doc.Names
	}
	for _, tt := range []struct {
		name          string
		first         bool // registered first as "inj-1", "scanners", "vendor"
		id, nam, typ  string
		want          int
		wantName      string // the name stored after, "" for no contract stored
		wantViolation bool
	}{
		{"new, name of 256 characters", false, "inj-1", long, "vendor", http.StatusInternalServerError, "", false},
		{"new, type of 256 characters", false, "inj-1", "scanners", long, http.StatusInternalServerError, "", false},
		{"new, id of 256 characters", false, long, "scanners", "vendor", http.StatusInternalServerError, "", false},
		{"new, name of 255 two-byte characters", false, "inj-1", wide, "vendor", http.StatusOK, wide, false},
		{"update to a name of 256 characters", true, "inj-1", long, "vendor", http.StatusConflict, "scanners", true},
		{"update to a type of 256 characters", true, "inj-1", "scanners", long, http.StatusConflict, "scanners", true},
		{"update to a name of 255 characters", true, "inj-1", long[1:], "vendor", http.StatusOK, long[1:], false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			p := openaevtest.NewPlatform(t, token)
			if tt.first {
				registerTyped(t, p, "inj-1", "scanners", "vendor", "c-1", "nmap")
			}
			entry := nmapContract(nil)
			entry["contract_id"] = "c-1"
			b, _ := json.Marshal(map[string]any{"injector_id": tt.id, "injector_name": tt.nam, "injector_type": tt.typ,
				"injector_contracts": []any{entry}})
			body, ct := multipartBody(t, string(b), "application/json", nil, "")
			st, reply := post(t, p, "/api/injectors", token, ct, body)
			if st != tt.want {
				t.Fatalf("status %d (%v), want %d", st, reply, tt.want)
			}
			if got := reply["type"] == "DataIntegrityViolationException" && reply["message"] == "Database integrity violation"; got != tt.wantViolation {
				t.Errorf("reply %v: a ViolationErrorBag %v, want %v", reply, got, tt.wantViolation)
			}
			got := names(t, p)
			switch {
			case tt.wantName == "" && got != nil:
				t.Errorf("contract stored, its injectors %v; want none", got)
			case tt.wantName != "" && got[tt.id] != tt.wantName:
				t.Errorf("injector %s stored as %q, want %q", tt.id, got[tt.id], tt.wantName)
			}
		})
	}
}
