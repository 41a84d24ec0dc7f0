//go:build unix

package outbox

import (
	"errors"
	"syscall"
)

// signalable reports whether a signal can reach process pid: it exists,
// possibly as a zombie.
func signalable(pid int) bool {
	err := syscall.Kill(pid, 0)
	return err == nil || errors.Is(err, syscall.EPERM)
}
