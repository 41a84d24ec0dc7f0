//go:build !linux

package cli

import "os"

// fileIsTerminal reports whether f is a terminal: off Linux, a character
// device other than the null device.
func fileIsTerminal(f *os.File) bool {
	fi, err := f.Stat()
	if err != nil || fi.Mode()&os.ModeCharDevice == 0 {
		return false
	}
	null, err := os.Stat(os.DevNull)
	return err != nil || !os.SameFile(fi, null)
}
