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
// nmap killed by a signal left running) before reaping it: that kill runs
// while nmap's process id, its group's, cannot be reused. It returns
// cmd.Wait's error. os/exec's own kill when ctx ends (cmd.Cancel,
// killGroup) is not covered: should ctx end after cmd.Wait reaps nmap but
// before Wait takes the result, that kill still runs, after the reap. The
// id is then still nmap's group's while some process of the group is left
// (nmap's children, until their parent reaps them), but may be another
// process's once none is.
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
