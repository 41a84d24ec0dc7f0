package openaevtest_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/injectkit/injectkit/openaev/openaevtest"
)

// TestInjectsOfTwoInjectorsOfOneType: two deployments of one type (two
// injector ids, as two serve daemons under two --injector-id) share
// their contracts. OpenAEV 2.4.0 publishes an inject on the injector it
// names (inject_injector, the inject form's selector), and looks one
// that names none (an import's) up by type, which fails once two
// injectors have it (Executor.execute, findByTypeAndTenantId): the
// stand-in routed such an inject to the contract's first injector.
func TestInjectsOfTwoInjectorsOfOneType(t *testing.T) {
	p := openaevtest.NewPlatform(t, token)
	registerTyped(t, p, "inj-a", "scanners A", "vendor-a", "c-1", "nmap")
	p.AddInject("i-alone", "c-1")
	if _, injector, _ := p.InjectorOf("i-alone"); injector != "inj-a" {
		t.Fatalf("one injector of the type: InjectorOf = %q, want inj-a", injector)
	}
	registerTyped(t, p, "inj-b", "scanners B", "vendor-a", "c-1", "nmap")
	p.AddInject("i-none", "c-1")
	p.AddInject("i-b", "c-1")
	p.SetInjectInjector("i-b", "inj-b")
	p.AddInject("i-a", "c-1")
	p.SetInjectInjector("i-a", "inj-a")
	p.SetInjectInjector("i-a", "not-held") // the route answers 404: nothing changes

	for _, tt := range []struct{ inject, want string }{
		{"i-alone", ""}, {"i-none", ""}, {"i-b", "inj-b"}, {"i-a", "inj-a"},
	} {
		_, injector, ok := p.InjectorOf(tt.inject)
		if !ok || injector != tt.want {
			t.Errorf("%s: InjectorOf = %q (known %v), want %q", tt.inject, injector, ok, tt.want)
		}
		why := p.InjectorWhy(tt.inject)
		if (tt.want == "") != strings.Contains(why, "IncorrectResultSizeDataAccessException") {
			t.Errorf("%s: InjectorWhy = %q", tt.inject, why)
		}
		_, body := get(t, p, "/api/injects/"+tt.inject)
		var doc struct {
			Injector *string `json:"inject_injector"`
			Type     string  `json:"inject_type"`
		}
		if err := json.Unmarshal([]byte(body), &doc); err != nil {
			t.Fatal(err)
		}
		named := ""
		if doc.Injector != nil {
			named = *doc.Injector
		}
		if named != tt.want || doc.Type != "vendor-a" {
			t.Errorf("%s: GET says inject_injector %q, inject_type %q; want %q, vendor-a", tt.inject, named, doc.Type, tt.want)
		}
	}
}

// TestInjectNamingThePlaceholderDeletedWithIt: an inject made on the
// platform while an import's placeholder was its contract's first
// injector names it, and is deleted with it (V4_78: ON DELETE CASCADE)
// when a new injector of the type registers.
func TestInjectNamingThePlaceholderDeletedWithIt(t *testing.T) {
	const placeholder = "vendor-a_dummy_default"
	p := openaevtest.NewPlatform(t, token)
	p.ImportContract("c-1", "vendor-a", "scanners A", `{"label":{"en":"imported"}}`)
	p.AddInject("i-made", "c-1")
	p.SetInjectInjector("i-made", placeholder)
	p.AddInject("i-imported", "c-1")
	registerTyped(t, p, "inj-a", "scanners A", "vendor-a", "c-1", "A's nmap")
	if _, _, ok := p.InjectorOf("i-made"); ok {
		t.Errorf("the inject naming the placeholder outlived it")
	}
	if _, injector, _ := p.InjectorOf("i-imported"); injector != "inj-a" {
		t.Errorf("the import's inject: InjectorOf = %q, want inj-a (the one of its type)", injector)
	}
}
