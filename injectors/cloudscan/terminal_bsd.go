//go:build unix && !linux

package cloudscan

import (
	"os"
	"os/exec"
	"syscall"

	"golang.org/x/sys/unix"
)

// lend returns how the next credential_process is started (setup, given
// its command) and what to call once it has been waited for (done).
//
// When this process's group is the foreground of its controlling terminal
// the helper stays in it, so that a prompt on /dev/tty reads its answer:
// giving the terminal to a group of its own and back needs SIGTTOU
// blocked on one thread, done on Linux only. Cancelling it then kills the
// shell alone. Otherwise it runs in a group of its own (ownGroup), killed
// whole.
func (t *terminal) lend() (setup func(*exec.Cmd), done func()) {
	tty, err := os.OpenFile("/dev/tty", os.O_RDONLY, 0)
	if err != nil {
		return noLend()
	}
	defer tty.Close()
	if pg, err := unix.IoctlGetInt(int(tty.Fd()), unix.TIOCGPGRP); err != nil || pg != syscall.Getpgrp() {
		return noLend()
	}
	return func(*exec.Cmd) {}, func() {}
}
