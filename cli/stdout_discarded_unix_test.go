//go:build unix

package cli_test

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/injectkit/injectkit/cli"
)

// TestHelperDryRun is the process TestClosedStdoutFailsTheDryRun starts:
// Main over the process's own stdout (Options.Stdout unset), a dry run of
// noop.
func TestHelperDryRun(t *testing.T) {
	if os.Getenv("DRY_RUN_HELPER") == "" {
		t.Skip("helper process")
	}
	os.Args = []string{"injectkit", "run", "noop", "--target", "127.0.0.1", "--outbox", "none"}
	os.Exit(cli.Main(cli.Options{Registry: registry(), Stderr: os.Stderr,
		Getenv: func(string) string { return "" }}))
}

// TestDiscardedStdoutIsNoFailure: a dry run whose stdout is /dev/null
// opened read and write by its parent (Python's subprocess.DEVNULL,
// Node's stdio 'ignore', daemon(3)) exited 1, "stdout not written:
// closed when the command started (>&-)", its output taken for lost
// though the parent discarded it on purpose, as a shell's >/dev/null
// does: a script checking the exit code read a valid run as failed. A
// stdout closed at the start (>&-) cannot be told from it (Go's runtime
// opens /dev/null read and write in its place): it is discarded alike.
// A full disk still fails the command.
func TestDiscardedStdoutIsNoFailure(t *testing.T) {
	for _, tc := range []struct {
		name, redirect string
		code           int
		says           string
	}{
		{"closed", ">&-", cli.ExitOK, ""},
		{"dev null", ">/dev/null", cli.ExitOK, ""},
		{"dev null read and write", "1<>/dev/null", cli.ExitOK, ""},
		{"full disk", ">/dev/full", cli.ExitDelivery, "injectkit: stdout not written: write /dev/stdout: no space left on device"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := os.Stat("/dev/full"); err != nil && tc.redirect == ">/dev/full" {
				t.Skip("no /dev/full")
			}
			cmd := exec.Command("sh", "-c", `exec "$0" -test.run='^TestHelperDryRun$' `+tc.redirect, os.Args[0])
			cmd.Env = append(os.Environ(), "DRY_RUN_HELPER=1")
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			var ee *exec.ExitError
			if err := cmd.Run(); err != nil && !errors.As(err, &ee) {
				t.Fatal(err)
			}
			if got := cmd.ProcessState.ExitCode(); got != tc.code {
				t.Errorf("%s: exit %d, want %d:\n%s", tc.redirect, got, tc.code, stderr.String())
			}
			said := strings.Contains(stderr.String(), "stdout not written")
			if tc.says == "" && said || tc.says != "" && !strings.Contains(stderr.String(), tc.says) {
				t.Errorf("%s: stderr does not say %q:\n%s", tc.redirect, tc.says, stderr.String())
			}
			if printed := strings.Contains(stderr.String(), "undelivered signatures: {"); printed != (tc.code != cli.ExitOK) {
				t.Errorf("%s: signatures printed to stderr: %v, want %v:\n%s", tc.redirect, printed, tc.code != cli.ExitOK, stderr.String())
			}
		})
	}
}
