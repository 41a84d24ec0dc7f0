//go:build linux

package nmap

import (
	"errors"
	"os/exec"
	"syscall"

	"golang.org/x/sys/unix"
)

// dieWithParent has the kernel kill nmap when the thread that started it
// ends (Pdeathsig): runNmap holds that thread for the whole run, so this
// happens only when injectkit exits at once, a second signal, without
// cancelling the run.
func dieWithParent(a *syscall.SysProcAttr) { a.Pdeathsig = syscall.SIGKILL }

// waitGroup waits for nmap, started by cmd, to end, then kills what is
// left of its process group (a child holding its output open, or one an
// nmap killed by a signal left running) before reaping it: nmap's process
// id, its group's, is not reused until then. It returns cmd.Wait's error.
func waitGroup(cmd *exec.Cmd) error {
	var info unix.Siginfo
	err := unix.Waitid(unix.P_PID, cmd.Process.Pid, &info, unix.WEXITED|unix.WNOWAIT, nil)
	for errors.Is(err, unix.EINTR) {
		err = unix.Waitid(unix.P_PID, cmd.Process.Pid, &info, unix.WEXITED|unix.WNOWAIT, nil)
	}
	if err == nil {
		_ = killGroup(cmd.Process.Pid) // none left: nothing to kill
	}
	return cmd.Wait()
}
