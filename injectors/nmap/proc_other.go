//go:build !unix

package nmap

import (
	"os"
	"os/exec"
)

// setProcessGroup keeps exec.CommandContext's default: kill nmap itself.
func setProcessGroup(*exec.Cmd) {}

// exitCode returns the process's exit code (1 when it has none).
func exitCode(ee *exec.ExitError) int {
	if c := ee.ExitCode(); c > 0 {
		return c
	}
	return 1
}

// exitSignal returns nil: without unix's wait status, a process killed
// by a signal cannot be told from one that exited.
func exitSignal(*exec.ExitError) os.Signal { return nil }

// waitGroup waits for nmap, started by cmd: without process groups, what
// it started is not ended.
func waitGroup(cmd *exec.Cmd) error { return cmd.Wait() }
