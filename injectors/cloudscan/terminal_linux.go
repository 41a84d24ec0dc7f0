package cloudscan

import (
	"os"
	"os/exec"
	"runtime"
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"
)

// lend returns how the next credential_process is started (setup, given
// its command) and what to call once it has been waited for (done).
//
// The process always runs in a group of its own (ownGroup). When this
// process's group is the foreground of its controlling terminal (run from
// a shell, not in the background, not under a supervisor), that group is
// made the terminal's foreground while the helper runs, and done gives
// the terminal back to this process's group: the helper reads a prompt's
// answer on /dev/tty, and Ctrl-C at its prompt reaches it, which done
// then raises on this process too, as if the terminal had sent it here
// (a shell does the same). Otherwise the group is in the background, as a
// helper without a terminal needs no more.
func (t *terminal) lend() (setup func(*exec.Cmd), done func()) {
	tty, err := os.OpenFile("/dev/tty", os.O_RDWR, 0)
	if err != nil { // no controlling terminal
		return noLend()
	}
	t.mu.Lock()
	fd := int(tty.Fd())
	if pg, err := unix.IoctlGetInt(fd, unix.TIOCGPGRP); err != nil || pg != syscall.Getpgrp() {
		t.mu.Unlock()
		_ = tty.Close()
		return noLend()
	}
	var ran *exec.Cmd
	setup = func(cmd *exec.Cmd) {
		ran = cmd
		ownGroup(cmd, tty)
	}
	done = func() {
		reclaim(fd)
		_ = tty.Close()
		t.mu.Unlock()
		if ran == nil || ran.ProcessState == nil {
			return
		}
		if ws, ok := ran.ProcessState.Sys().(syscall.WaitStatus); ok && ws.Signaled() &&
			(ws.Signal() == syscall.SIGINT || ws.Signal() == syscall.SIGQUIT) {
			_ = syscall.Kill(os.Getpid(), ws.Signal())
		}
	}
	return setup, done
}

// reclaim makes this process's group the foreground of the terminal fd
// again. It is in the background then: the change would stop it with
// SIGTTOU, unless the calling thread blocks that signal, as it does here.
func reclaim(fd int) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	var block, old unix.Sigset_t
	const bits = uint(8 * unsafe.Sizeof(block.Val[0]))
	n := uint(syscall.SIGTTOU) - 1
	block.Val[n/bits] |= 1 << (n % bits)
	if err := unix.PthreadSigmask(unix.SIG_BLOCK, &block, &old); err != nil {
		return
	}
	defer func() { _ = unix.PthreadSigmask(unix.SIG_SETMASK, &old, nil) }()
	_ = unix.IoctlSetPointerInt(fd, unix.TIOCSPGRP, syscall.Getpgrp())
}
