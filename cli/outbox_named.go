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
// The default outbox (nobody set one) is named by the variable it is
// under and its value (the default, under XDG_STATE_HOME=/srv/state),
// read from o's environment. The hint is kept. Any other error is
// returned as it is.
func withOutboxNamed(err error, src source, value string, o Options) error {
	var (
		pe *fs.PathError
		ee *ExitError
	)
	if !errors.As(err, &pe) || errors.Is(err, outbox.ErrLocked) || !errors.As(err, &ee) {
		return err
	}
	where := src.where()
	if !src.given() {
		v, dir := defaultOutboxVar(o)
		path, perr := outboxPathOf(outboxConfig{}, o, false)
		if v == "" || perr != nil {
			return err
		}
		value, where = path, defaultUnder(v, dir)
	}
	ee.Err = fmt.Errorf("invalid outbox %q%s: %w", value, where, ee.Err)
	return err
}
