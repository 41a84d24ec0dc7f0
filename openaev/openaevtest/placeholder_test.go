package openaevtest_test

import (
	"encoding/json"
	"net/http"
	"slices"
	"testing"

	"github.com/injectkit/injectkit/openaev/openaevtest"
)

// contractInjectors returns the injectors contract id is linked to,
// first linked first.
func contractInjectors(t *testing.T, p *openaevtest.Platform, id string) []string {
	t.Helper()
	st, body := get(t, p, "/api/injector_contracts/"+id)
	var doc struct {
		Injectors []string `json:"injector_contract_injectors"`
	}
	if st != http.StatusOK || json.Unmarshal([]byte(body), &doc) != nil {
		t.Fatalf("GET injector_contract %s: status %d (%s)", id, st, body)
	}
	return doc.Injectors
}

// TestPlaceholderReplacedOnlyByANewInjector: a contract an import made
// is linked to its type's placeholder; an injector id the platform holds
// already that registers it later is linked after it, and the injects
// stay the placeholder's (2.4.0 deletes it only in the branch of a new
// injector, registerExternalInjector); the first new injector of the
// type to register deletes the placeholder, the injectors linked after
// it moving up; the import's inject, which names no injector, is looked
// up by type, and runs on none while two injectors have it, until it
// names one. A new injector registering first takes the contract at
// once.
func TestPlaceholderReplacedOnlyByANewInjector(t *testing.T) {
	const placeholder = "vendor-a_dummy_default"
	t.Run("existing injector", func(t *testing.T) {
		p := openaevtest.NewPlatform(t, token)
		registerTyped(t, p, "inj-a", "scanners A", "vendor-a", "c-0", "A's other")
		p.ImportContract("c-1", "vendor-a", "scanners A", `{"label":{"en":"imported"}}`)
		p.AddInject("i-1", "c-1")
		if _, injector, _ := p.InjectorOf("i-1"); injector != placeholder {
			t.Fatalf("after the import: InjectorOf = %q, want the placeholder %s", injector, placeholder)
		}
		st, body := get(t, p, "/api/injectors/"+placeholder)
		var in struct {
			Type     string `json:"injector_type"`
			External bool   `json:"injector_external"`
		}
		if st != http.StatusOK || json.Unmarshal([]byte(body), &in) != nil || in.Type != "vendor-a_dummy" || in.External {
			t.Errorf("GET the placeholder: %d %s, want type vendor-a_dummy, not external", st, body)
		}

		registerTyped(t, p, "inj-a", "scanners A", "vendor-a", "c-1", "A's nmap")
		if got := contractInjectors(t, p, "c-1"); !slices.Equal(got, []string{placeholder, "inj-a"}) {
			t.Errorf("after inj-a, registered before, declares it: injectors %v, want the placeholder first", got)
		}
		if _, injector, _ := p.InjectorOf("i-1"); injector != placeholder {
			t.Errorf("InjectorOf = %q, want still the placeholder", injector)
		}

		registerTyped(t, p, "inj-b", "scanners B", "vendor-a", "c-1", "B's nmap")
		if got := contractInjectors(t, p, "c-1"); !slices.Equal(got, []string{"inj-a", "inj-b"}) {
			t.Errorf("after a new injector of the type: injectors %v, want [inj-a inj-b]", got)
		}
		// The import's inject names no injector: looked up by type, of
		// which the platform holds two now (injectinjector.go).
		if _, injector, _ := p.InjectorOf("i-1"); injector != "" {
			t.Errorf("InjectorOf = %q, want none: two injectors of its type", injector)
		}
		p.SetInjectInjector("i-1", "inj-a")
		if _, injector, _ := p.InjectorOf("i-1"); injector != "inj-a" {
			t.Errorf("named inj-a: InjectorOf = %q, want inj-a", injector)
		}
		if st, _ := get(t, p, "/api/injectors/"+placeholder); st != http.StatusNotFound {
			t.Errorf("GET the placeholder after a new injector: status %d, want 404 (deleted)", st)
		}
	})
	t.Run("new injector", func(t *testing.T) {
		p := openaevtest.NewPlatform(t, token)
		p.ImportContract("c-1", "vendor-a", "scanners A", `{"label":{"en":"imported"}}`)
		registerTyped(t, p, "inj-a", "scanners A", "vendor-a", "c-1", "A's nmap")
		if got := contractInjectors(t, p, "c-1"); !slices.Equal(got, []string{"inj-a"}) {
			t.Errorf("injectors %v, want [inj-a]: the placeholder deleted", got)
		}
	})
}
