//go:build unix && !linux

package nmap

import (
	"os/exec"
	"syscall"
)

// dieWithParent does nothing: only Linux kills a child with its parent.
func dieWithParent(*syscall.SysProcAttr) {}

// waitGroup waits for nmap, started by cmd, then kills what is left of its
// process group (after reaping nmap: only Linux waits without reaping).
// It returns cmd.Wait's error.
func waitGroup(cmd *exec.Cmd) error {
	err := cmd.Wait()
	_ = killGroup(cmd.Process.Pid) // none left: nothing to kill
	return err
}
