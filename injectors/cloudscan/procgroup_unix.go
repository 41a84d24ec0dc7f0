//go:build unix

package cloudscan

import (
	"errors"
	"os"
	"os/exec"
	"syscall"
)

// ownGroup makes cmd the leader of a process group of its own, and its
// cancellation kill that whole group: the shell's children (the helper
// the shell runs, what that helper starts) end with it, not only the
// shell, which would leave them running under init. A child that left the
// group on its own (setsid) is its own.
func ownGroup(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	// A group already gone (the shell reaped, its children ended) is a
	// process done, which exec does not count as Wait's error: the
	// credentials a helper gave just before are kept.
	cmd.Cancel = func() error {
		if err := syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL); !errors.Is(err, syscall.ESRCH) {
			return err
		}
		return os.ErrProcessDone
	}
}

// killGroup kills what is left of the process group cmd, run and waited
// for, leads (ownGroup): a child the helper left running. A command left
// in this process's group (a terminal's foreground: terminal.lend) is not
// its group's leader, and nothing is killed.
func killGroup(cmd *exec.Cmd) {
	if cmd.Process == nil || cmd.SysProcAttr == nil || !cmd.SysProcAttr.Setpgid {
		return
	}
	_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) // ESRCH: none left
}
