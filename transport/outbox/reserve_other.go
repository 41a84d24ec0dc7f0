//go:build !linux

package outbox

import (
	"errors"
	"os"
)

// reserve sets nothing aside: elsewhere than on Linux the blocks of the
// file of attempts are taken as its notes are written.
func reserve(*os.File, int64) error { return errors.ErrUnsupported }
