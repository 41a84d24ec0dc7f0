//go:build unix && !linux && !darwin && !dragonfly && !freebsd && !netbsd && !openbsd

package nmap

import "os/exec"

// waitGroup waits for nmap, started by cmd, then kills what is left of its
// process group. Here no call learns of nmap's exit without reaping it, so
// the group is killed after nmap is reaped: a child holding nmap's output
// keeps the run waiting until waitDelay, and the group's id is safe to
// kill only while some process is left in it (an empty group's id may be
// reused). It returns cmd.Wait's error.
func waitGroup(cmd *exec.Cmd) error {
	err := cmd.Wait()
	_ = killGroup(cmd.Process.Pid) // none left: nothing to kill
	return err
}
