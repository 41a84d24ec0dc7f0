//go:build unix

package cloudscan

import (
	"os"
	"os/exec"

	"golang.org/x/sys/unix"
)

// lend returns how the next credential_process is started (setup, given
// its command) and what to call once it has been waited for (done).
//
// When this process's group is the foreground of its controlling terminal
// (run from a shell, not in the background), the helper stays in it, as a
// command a shell runs does: a prompt on /dev/tty (an MFA code, a
// passphrase) reads its answer, and Ctrl-C at the terminal reaches the
// helper, what it started and injectkit alike. Cancelling it otherwise
// (--timeout, call_timeout) then kills the shell alone. Anywhere else (no
// terminal: serve, a supervisor, cron; or in the background) it runs in a
// group of its own (ownGroup), killed whole when the inject is cancelled:
// a background group reading the terminal would be stopped by SIGTTIN.
func (terminal) lend() (setup func(*exec.Cmd), done func()) {
	tty, err := os.OpenFile("/dev/tty", os.O_RDONLY, 0)
	if err != nil {
		return noLend()
	}
	defer tty.Close()
	// Getpgid(0), not Getpgrp, whose signature differs between systems.
	own, err := unix.Getpgid(0)
	if err != nil {
		return noLend()
	}
	if pg, err := unix.IoctlGetInt(int(tty.Fd()), unix.TIOCGPGRP); err != nil || pg != own {
		return noLend()
	}
	return func(*exec.Cmd) {}, func() {}
}
