//go:build !unix

package testkit

import "syscall"

// sigQuit is Kill where there is no SIGQUIT: the process ends without
// printing its stacks.
const sigQuit = syscall.SIGKILL
