//go:build !unix

package servetest

import (
	"os"
	"syscall"
)

// ownGroup: without process groups the node starts as any process.
func ownGroup() *syscall.SysProcAttr { return nil }

// killGroup kills p alone: its helpers, if any, outlive it.
func killGroup(p *os.Process) { _ = p.Kill() }
