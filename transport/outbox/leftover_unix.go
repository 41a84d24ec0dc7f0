//go:build unix

package outbox

import (
	"os"
	"syscall"
)

// removeUnlocked removes the file at path unless a process holds it
// locked (bbolt's flock): it locks the file itself, without waiting, and
// removes it under that lock.
func removeUnlocked(path string) {
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NOFOLLOW|syscall.O_NONBLOCK, 0)
	if err != nil {
		return
	}
	defer f.Close()
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		return
	}
	_ = os.Remove(path)
}
