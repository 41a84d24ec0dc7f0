//go:build unix

package servetest

import (
	"os"
	"syscall"
)

// ownGroup starts a process in a process group of its own, so that
// killGroup ends it with every helper it started.
func ownGroup() *syscall.SysProcAttr { return &syscall.SysProcAttr{Setpgid: true} }

// killGroup kills p's process group (see ownGroup).
func killGroup(p *os.Process) { _ = syscall.Kill(-p.Pid, syscall.SIGKILL) }
