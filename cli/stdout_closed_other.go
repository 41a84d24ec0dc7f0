//go:build !unix

package cli

import "os"

// stdoutClosedAtStart reports whether f, the process's stdout, was closed
// when the process started: off Unix, never said.
func stdoutClosedAtStart(*os.File) bool { return false }
