package cli

import (
	"errors"
	"fmt"
	"io/fs"

	"github.com/injectkit/injectkit/transport/outbox"
)

// withOutboxNamed gives err, the exit of a command whose outbox the file
// system refused as it was opened (not a directory above it, no
// permission, a read-only file system: an *fs.PathError), the setting
// that named it as the user gave it (src) and its value: invalid outbox
// "somefile/x" (--outbox): outbox …: create directory: … not a directory.
// The hint is kept. Any other error, or an outbox nobody set, is returned
// as it is.
func withOutboxNamed(err error, src source, value string) error {
	var (
		pe *fs.PathError
		ee *ExitError
	)
	if !src.given() || !errors.As(err, &pe) || errors.Is(err, outbox.ErrLocked) || !errors.As(err, &ee) {
		return err
	}
	ee.Err = fmt.Errorf("invalid outbox %q%s: %w", value, src.where(), ee.Err)
	return err
}
