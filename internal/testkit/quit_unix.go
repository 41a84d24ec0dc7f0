//go:build unix

package testkit

import "syscall"

// sigQuit asks a Go program for its goroutines' stacks.
const sigQuit = syscall.SIGQUIT
