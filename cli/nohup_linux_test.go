//go:build linux

package cli_test

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"

	"github.com/injectkit/injectkit/cli"
	"github.com/injectkit/injectkit/internal/testkit"
)

// TestHelperNohupRun is the process TestNohupKeepsSIGHUPIgnored starts
// under nohup: Main running a noop inject that lasts ten minutes.
func TestHelperNohupRun(t *testing.T) {
	if os.Getenv("NOHUP_RUN") == "" {
		t.Skip("helper process")
	}
	os.Args = []string{"injectkit", "run", "noop", "--target", "127.0.0.1", "--param", "delay=10m", "--outbox", "none"}
	os.Exit(cli.Main(cli.Options{Registry: registry(), Stdout: io.Discard, Stderr: os.Stderr,
		Getenv: func(string) string { return "" }}))
}

// TestNohupKeepsSIGHUPIgnored: a process started under nohup has SIGHUP
// ignored, that the terminal's close does not end it. Main handled SIGHUP
// all the same (Go's signal.Notify undoes the ignoring), so closing the
// terminal of "nohup injectkit serve &" stopped the daemon ("hangup:
// stopping gracefully"), and of a run its inject (a SIGTERM just after
// was then a second signal: exit 130). A SIGHUP ignored at the start now
// stays ignored: the SIGTERM that follows is the only signal.
func TestNohupKeepsSIGHUPIgnored(t *testing.T) {
	testkit.Integration(t, "nohup")
	cmd := exec.Command("nohup", os.Args[0], "-test.run=^TestHelperNohupRun$")
	cmd.Env = append(os.Environ(), "NOHUP_RUN=1")
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill() })
	var errs bytes.Buffer
	lines := bufio.NewScanner(io.TeeReader(stderr, &errs))
	for lines.Scan() && !strings.Contains(lines.Text(), "pre-execution signatures compiled") {
	}
	// Main handles signals by now: the inject runs.
	if err := cmd.Process.Signal(syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	_, _ = io.Copy(io.Discard, io.TeeReader(stderr, &errs))
	var ee *exec.ExitError
	if err := cmd.Wait(); err != nil && !errors.As(err, &ee) {
		t.Fatal(err)
	}
	if strings.Contains(errs.String(), "hangup") || cmd.ProcessState.ExitCode() == cli.ExitInterrupted {
		t.Errorf("exit %d: the SIGHUP nohup ignores was handled:\n%s", cmd.ProcessState.ExitCode(), errs.String())
	}
	if !strings.Contains(errs.String(), "terminated: stopping gracefully") {
		t.Errorf("the SIGTERM did not stop the run gracefully:\n%s", errs.String())
	}
}
