//go:build linux || darwin || dragonfly || freebsd || netbsd || openbsd

package nmap

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
)

// TestWaitGroupKillsBeforeReaping: where the system tells of nmap's exit
// without reaping it, waitGroup kills nmap's group as soon as nmap has
// exited, so a child holding its output open does not keep cmd.Wait
// waiting for the output until waitDelay (exec.ErrWaitDelay).
func TestWaitGroupKillsBeforeReaping(t *testing.T) {
	tests := []struct {
		name   string
		script string
	}{
		{"a child holding the output", `echo report; sleep 300 & echo $! >"$DIR/child"; exit 0`},
		{"a grandchild holding the output", `echo report; sh -c 'sleep 300 & echo $! >"$DIR/child"; wait' & exit 0`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			cmd := exec.CommandContext(t.Context(), "/bin/sh", "-c", tt.script)
			cmd.Env = append(os.Environ(), "DIR="+dir)
			var out bytes.Buffer
			cmd.Stdout = &out // a pipe the child inherits
			setProcessGroup(cmd)
			cmd.WaitDelay = waitDelay
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			err := waitGroup(cmd)
			if b, rerr := os.ReadFile(filepath.Join(dir, "child")); rerr == nil {
				if pid, perr := strconv.Atoi(strings.TrimSpace(string(b))); perr == nil {
					_ = syscall.Kill(pid, syscall.SIGKILL) // a test that fails leaves no sleep behind
				}
			}
			if err != nil || out.String() != "report\n" {
				t.Errorf("waitGroup = %v, output %q; want nil and the output written", err, out.String())
			}
		})
	}
}
