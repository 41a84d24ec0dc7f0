//go:build !unix

package testkit

import "errors"

// mkfifo is not available here: there are no named pipes in the file
// system (Windows' live in \\.\pipe\).
func mkfifo(string) error { return errors.ErrUnsupported }
