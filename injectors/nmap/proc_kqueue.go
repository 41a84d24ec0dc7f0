//go:build darwin || dragonfly || freebsd || netbsd || openbsd

package nmap

import (
	"errors"
	"os/exec"
	"syscall"

	"golang.org/x/sys/unix"
)

// waitGroup waits for nmap, started by cmd, to end, then kills what is
// left of its process group (a child holding its output open, or one an
// nmap killed by a signal left running) before reaping it, as on Linux: a
// kqueue learns of nmap's exit without reaping it (exitedUnreaped). When
// the kqueue cannot tell, nmap is reaped first and its group killed after
// (what is left may then hold the output until waitDelay). It returns
// cmd.Wait's error.
func waitGroup(cmd *exec.Cmd) error {
	if exitedUnreaped(cmd.Process.Pid) {
		_ = killGroup(cmd.Process.Pid) // none left: nothing to kill
		return cmd.Wait()
	}
	err := cmd.Wait()
	_ = killGroup(cmd.Process.Pid)
	return err
}

// exitedUnreaped waits for the child process pid to exit and reports
// whether it did, false when a kqueue cannot watch it. It does not reap
// it (a kqueue refusing to watch it, ESRCH, tells of a child that has
// exited already): until cmd.Wait does, the child's process id, its
// group's, cannot be reused, so waitGroup's kill reaches nmap's group. As
// on Linux, os/exec's own kill when ctx ends (cmd.Cancel) may run after
// the reap (see proc_linux.go's waitGroup).
func exitedUnreaped(pid int) bool {
	kq, err := unix.Kqueue()
	if err != nil {
		return false
	}
	defer unix.Close(kq)
	watch := make([]unix.Kevent_t, 1)
	unix.SetKevent(&watch[0], pid, unix.EVFILT_PROC, unix.EV_ADD|unix.EV_ONESHOT)
	watch[0].Fflags = unix.NOTE_EXIT
	got := make([]unix.Kevent_t, 1)
	for {
		n, err := unix.Kevent(kq, watch, got, nil) // adding the watch again after EINTR changes nothing
		switch {
		case errors.Is(err, unix.EINTR):
			continue
		case errors.Is(err, unix.ESRCH):
			return true
		case err != nil || n != 1:
			return false
		case got[0].Flags&unix.EV_ERROR != 0:
			return syscall.Errno(got[0].Data) == unix.ESRCH
		}
		return got[0].Fflags&unix.NOTE_EXIT != 0
	}
}
