package testkit

import (
	"os/exec"
	"runtime"
	"syscall"
)

// StartBound starts cmd so that it gets sig when the test binary dies
// without its cleanups (a go test -timeout panic, a SIGKILL): on Linux the
// child's parent-death signal (PR_SET_PDEATHSIG), elsewhere nothing. Left
// running, a daemon went on consuming its queue, the test's platform gone,
// and held the queue and its messages on the shared broker.
//
// The kernel sends that signal when the thread that forked the child ends,
// not the process, and a Go thread ends with a goroutine that exits locked
// to it (runNmap's does): cmd is started and waited for on a thread of its
// own, held until the child has exited. waited gets Wait's error.
func StartBound(cmd *exec.Cmd, sig syscall.Signal, waited func(error)) error {
	started := make(chan error, 1)
	go func() {
		// Never unlocked: the thread ends with this goroutine, after
		// the child.
		runtime.LockOSThread()
		if cmd.SysProcAttr == nil {
			cmd.SysProcAttr = &syscall.SysProcAttr{}
		}
		parentDeathSignal(cmd.SysProcAttr, sig)
		if err := cmd.Start(); err != nil {
			started <- err
			return
		}
		started <- nil
		waited(cmd.Wait())
	}()
	return <-started
}
