//go:build unix

package testkit

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
)

// TestHelperHangup is the process TestDefaultHangup starts under nohup,
// SIGHUP ignored: it starts sleep, after DefaultHangup when HANGUP_HELPER
// is "default", sends it SIGHUP then SIGTERM, and prints the signal that
// ended it. A SIGHUP sleep does not ignore ends it at once, before the
// SIGTERM is sent; an ignored one is discarded, and the SIGTERM ends it.
func TestHelperHangup(t *testing.T) {
	mode := os.Getenv("HANGUP_HELPER")
	if mode == "" {
		t.Skip("helper process")
	}
	if mode == "default" {
		DefaultHangup()
	}
	cmd := exec.Command("sleep", "3600")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Process.Signal(syscall.SIGHUP)
	_ = cmd.Process.Signal(syscall.SIGTERM)
	var ee *exec.ExitError
	if err := cmd.Wait(); !errors.As(err, &ee) {
		t.Fatalf("sleep: %v, want an end by a signal", err)
	}
	ws, _ := ee.Sys().(syscall.WaitStatus)
	fmt.Printf("ended by %s\n", ws.Signal())
}

// The binaries the tests stop with SIGHUP (cmd/injectkit's) never stopped
// under `nohup go test`: they inherited the ignored SIGHUP and kept it so,
// as cli.Main does under nohup. After DefaultHangup a process the tests
// start ends on SIGHUP; without it, under nohup, it does not.
func TestDefaultHangup(t *testing.T) {
	Integration(t, "nohup", "sleep")
	for _, tc := range []struct{ mode, want string }{
		{"default", "ended by hangup"},
		{"inherited", "ended by terminated"},
	} {
		t.Run(tc.mode, func(t *testing.T) {
			cmd := exec.Command("nohup", os.Args[0], "-test.run=^TestHelperHangup$", "-test.v")
			cmd.Env = append(os.Environ(), "HANGUP_HELPER="+tc.mode)
			out, err := cmd.Output()
			if err != nil {
				t.Fatalf("helper: %v\n%s", err, out)
			}
			if !strings.Contains(string(out), tc.want) {
				t.Errorf("sleep started by a process under nohup (%s), sent SIGHUP then SIGTERM: want %q, got:\n%s", tc.mode, tc.want, out)
			}
		})
	}
}
