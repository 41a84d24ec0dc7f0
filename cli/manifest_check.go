package cli

import (
	"errors"
	"fmt"

	"github.com/injectkit/injectkit/framework"
	"github.com/injectkit/injectkit/internal/drift"
	"github.com/injectkit/injectkit/internal/hook"
)

// manifestError is injectorSet.check's error for b, an injector the set
// built with its manifest, nil when manifestFault finds none.
func manifestError(b builtInjector) error {
	if err := b.manifestFault(); err != nil {
		return &ExitError{Code: ExitUsage, Err: fmt.Errorf("injector %s has an invalid manifest: %w", b.m.Name, err)}
	}
	return nil
}

// manifestFault is what makes b's manifest invalid whatever the command
// and the profile: what framework.ValidateManifest refuses in it; else,
// when b is a framework.ParamsFactory, where the params it declares
// differ from those of its NewParams struct (drift.Params), as
// a manifest written by hand may: the contract's form and `injectors`
// would show params the run does not take (a default it does not use, a
// param it refuses). A NewParams that panics or returns what
// framework.ParamsSpec refuses is no fault of the manifest: the runtime
// reports it when the injector runs, as it did before.
func (b builtInjector) manifestFault() error {
	if err := framework.ValidateManifest(b.m); err != nil {
		return err
	}
	pf, ok := b.ex.(framework.ParamsFactory)
	if !ok {
		return nil
	}
	var params any
	if hook.Call(b.m.Name, "NewParams", func() error { params = pf.NewParams(); return nil }) != nil {
		return nil
	}
	if err := drift.Params(b.m.Params, params); !errors.Is(err, framework.ErrParamsSpec) {
		return err
	}
	return nil
}

// invalidManifest is the faults manifestFault finds in the manifest of
// the injector registered under name, as the listing marks it ("; "
// between them), "" for a valid manifest, a broken injector (its factory
// or Manifest panicked: listed as such) or a name not registered: run,
// validate, injectors NAME and serve refuse the injector with them
// (injectorSet.check).
func (s *injectorSet) invalidManifest(name string) string {
	b, ok := s.get(name)
	if !ok || b.err != nil || !b.ok {
		return ""
	}
	if err := b.manifestFault(); err != nil {
		return joinedLine(err)
	}
	return ""
}
