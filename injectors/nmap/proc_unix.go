//go:build unix

package nmap

import (
	"os"
	"os/exec"
	"syscall"
)

// setProcessGroup starts cmd in a process group of its own and makes
// cancellation kill the whole group, so that nothing nmap started survives
// but a process that left the group (setsid).
// A group of its own keeps the terminal's Ctrl-C from nmap: where the
// system allows it, nmap is also killed when injectkit exits without
// cancelling it (a second signal), see dieWithParent.
func setProcessGroup(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	dieWithParent(cmd.SysProcAttr)
	cmd.Cancel = func() error { return killGroup(cmd.Process.Pid) }
}

// killGroup kills the process group of nmap, pid: nmap and whatever it
// started that is left (none left: ESRCH).
func killGroup(pid int) error { return syscall.Kill(-pid, syscall.SIGKILL) }

// exitCode returns the process's exit code, or 128 plus the number of the
// signal that killed it.
func exitCode(ee *exec.ExitError) int {
	if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		return 128 + int(ws.Signal())
	}
	return ee.ExitCode()
}

// exitSignal returns the signal that killed the process, nil when it
// exited.
func exitSignal(ee *exec.ExitError) os.Signal {
	if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		return ws.Signal()
	}
	return nil
}
