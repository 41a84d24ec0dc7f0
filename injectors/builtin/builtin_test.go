package builtin_test

import (
	"slices"
	"testing"

	"github.com/injectkit/injectkit/framework"
	"github.com/injectkit/injectkit/injectors/builtin"
)

func TestRegister(t *testing.T) {
	reg := framework.NewRegistry()
	builtin.Register(reg, builtin.WithVersion("1.2.3"))
	if got := reg.Names(); !slices.Equal(got, builtin.Names()) {
		t.Fatalf("registered %v, want %v", got, builtin.Names())
	}
	for _, name := range builtin.Names() {
		ex, err := reg.New(name)
		if err != nil || ex == nil {
			t.Fatalf("New(%q) = %v, %v", name, ex, err)
		}
		m, ok := ex.(framework.Manifester)
		if !ok || m.Manifest().Name != name {
			t.Errorf("%s: manifest names %q", name, m.Manifest().Name)
		}
	}
}

func TestRegisterBesideAThirdParty(t *testing.T) {
	reg := framework.NewRegistry()
	reg.Register("hello", func() framework.Executor { return nil })
	builtin.Register(reg)
	if n := len(reg.Names()); n != len(builtin.Names())+1 {
		t.Errorf("%d injectors registered", n)
	}
	defer func() {
		if recover() == nil {
			t.Error("registering the reference injectors twice did not panic")
		}
	}()
	builtin.Register(reg)
}

// Only an injector whose traffic goes to its targets' own addresses
// reports, per target, the source address on the route to it: nmap's
// probes do; noop sends nothing, query and cloudscan call an API.
func TestOnlyNmapSendsToItsTargets(t *testing.T) {
	reg := framework.NewRegistry()
	builtin.Register(reg)
	want := map[string]bool{"nmap": true}
	for _, name := range builtin.Names() {
		ex, err := reg.New(name)
		if err != nil {
			t.Fatal(err)
		}
		d, ok := ex.(framework.DirectSender)
		if got := ok && d.SendsToTargets(); got != want[name] {
			t.Errorf("%s sends to its targets: %v, want %v", name, got, want[name])
		}
	}
}
