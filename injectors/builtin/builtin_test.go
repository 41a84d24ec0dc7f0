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
