package main

import (
	"github.com/injectkit/injectkit/framework"
	"github.com/injectkit/injectkit/injectors/builtin"
)

// registry wires the reference injectors, which identify themselves as
// version v. A third party copies main.go and this file, and registers its
// own beside them.
func registry(v string) *framework.Registry {
	r := framework.NewRegistry()
	builtin.Register(r, builtin.WithVersion(v))
	return r
}
