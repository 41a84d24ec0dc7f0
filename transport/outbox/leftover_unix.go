//go:build unix

package outbox

import (
	"os"

	"golang.org/x/sys/unix"
)

// removeUnlocked removes the file at path unless a process holds it
// locked (bbolt's lock, see tryLock): it locks the file itself, without
// waiting, and removes it under that lock.
func removeUnlocked(path string) {
	f, err := os.OpenFile(path, lockMode|unix.O_NOFOLLOW|unix.O_NONBLOCK, 0)
	if err != nil {
		return
	}
	defer f.Close()
	if err := tryLock(int(f.Fd())); err != nil {
		return
	}
	_ = os.Remove(path)
}
