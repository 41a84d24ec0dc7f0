//go:build !unix

package outbox

import "os"

// signalable reports whether process pid exists.
func signalable(pid int) bool {
	p, err := os.FindProcess(pid)
	if err != nil {
		return false
	}
	_ = p.Release()
	return true
}
