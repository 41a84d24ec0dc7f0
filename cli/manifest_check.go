package cli

import (
	"fmt"

	"github.com/injectkit/injectkit/framework"
)

// manifestError is injectorSet.check's error for the manifest m, nil when
// framework.ValidateManifest accepts it.
func manifestError(m framework.Manifest) error {
	if err := framework.ValidateManifest(m); err != nil {
		return &ExitError{Code: ExitUsage, Err: fmt.Errorf("injector %s has an invalid manifest: %w", m.Name, err)}
	}
	return nil
}
