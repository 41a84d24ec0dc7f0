package framework_test

import (
	"errors"
	"reflect"
	"testing"

	"github.com/injectkit/injectkit/framework"
	"github.com/injectkit/injectkit/framework/frameworktest"
)

func TestRegistry(t *testing.T) {
	r := framework.NewRegistry()
	f := func() framework.Executor { return &frameworktest.Executor{} }
	r.Register("b", f)
	r.Register("a", f)
	if got := r.Names(); !reflect.DeepEqual(got, []string{"a", "b"}) {
		t.Errorf("Names() = %v", got)
	}
	if ex, err := r.New("a"); err != nil || ex == nil {
		t.Errorf("New(a) = %v, %v", ex, err)
	}
	_, err := r.New("c")
	var ue *framework.UnknownInjectorError
	if !errors.As(err, &ue) || !reflect.DeepEqual(ue.Known, []string{"a", "b"}) || err.Error() != `unknown injector "c" (known: a, b)` {
		t.Errorf("New(c) error = %v", err)
	}
	for name, reg := range map[string]func(){
		"empty name":  func() { r.Register("", f) },
		"nil factory": func() { r.Register("x", nil) },
		"duplicate":   func() { r.Register("a", f) },
	} {
		t.Run(name, func(t *testing.T) {
			defer func() {
				if recover() == nil {
					t.Error("Register did not panic")
				}
			}()
			reg()
		})
	}
}
