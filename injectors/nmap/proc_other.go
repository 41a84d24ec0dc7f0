//go:build !unix

package nmap

import "os/exec"

// setProcessGroup keeps exec.CommandContext's default: kill nmap itself.
func setProcessGroup(*exec.Cmd) {}

// exitCode returns the process's exit code (1 when it has none).
func exitCode(ee *exec.ExitError) int {
	if c := ee.ExitCode(); c > 0 {
		return c
	}
	return 1
}
