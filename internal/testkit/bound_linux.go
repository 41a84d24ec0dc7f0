package testkit

import "syscall"

// parentDeathSignal has the child get sig when the thread that started it
// ends.
func parentDeathSignal(a *syscall.SysProcAttr, sig syscall.Signal) { a.Pdeathsig = sig }
