//go:build linux

package nmap

import "syscall"

// dieWithParent has the kernel kill nmap when the thread that started it
// ends (Pdeathsig): runNmap holds that thread for the whole run, so this
// happens only when injectkit exits at once, a second signal, without
// cancelling the run.
func dieWithParent(a *syscall.SysProcAttr) { a.Pdeathsig = syscall.SIGKILL }
