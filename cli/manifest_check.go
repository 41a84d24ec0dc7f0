package cli

import (
	"fmt"

	"github.com/injectkit/injectkit/framework"
)

// checkManifest refuses, whatever the profile and before anything runs or
// is sent, the injector registered under name whose manifest
// framework.ValidateManifest refuses (an expectation type unknown or
// declared twice, an output or setting declared twice, a reserved output,
// a setting named like a param): exit 2 naming the injector, the field
// and the value. A name not registered, or whose factory or Manifest
// panics, is its caller's to report (newExecutor, the runtime).
func checkManifest(reg *framework.Registry, name string) error {
	ex, err := reg.New(name)
	if err != nil {
		return nil
	}
	m, ok, err := framework.ManifestOf(name, ex)
	if err != nil || !ok {
		return nil
	}
	return manifestError(m)
}

// manifestError is checkManifest's error for the manifest m, nil when
// framework.ValidateManifest accepts it.
func manifestError(m framework.Manifest) error {
	if err := framework.ValidateManifest(m); err != nil {
		return &ExitError{Code: ExitUsage, Err: fmt.Errorf("injector %s has an invalid manifest: %w", m.Name, err)}
	}
	return nil
}
