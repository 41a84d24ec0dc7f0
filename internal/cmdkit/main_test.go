package cmdkit

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"syscall"
	"testing"
	"time"

	"github.com/injectkit/injectkit/internal/testkit"
)

func TestExitCode(t *testing.T) {
	bad := UsageError{Err: errors.New("-addr: not loopback")}
	for err, want := range map[error]int{nil: 0, bad: 2, fmt.Errorf("flags: %w", bad): 2, errors.New("listen: address in use"): 1} {
		if got := ExitCode(err); got != want {
			t.Errorf("ExitCode(%v) = %d, want %d", err, got, want)
		}
	}
	if bad.Error() != "-addr: not loopback" || !errors.Is(bad, bad.Err) {
		t.Errorf("UsageError reads %q, unwraps to %v", bad.Error(), errors.Unwrap(bad))
	}
}

// mainEnv makes the test binary a command whose main is Main, its run
// returning what the variable names.
const mainEnv = "CMDKIT_MAIN_RETURNS"

// TestMainProcess is the command TestMainExits runs; it does nothing on its
// own.
func TestMainProcess(t *testing.T) {
	returns := os.Getenv(mainEnv)
	if returns == "" {
		t.Skip("run by TestMainExits")
	}
	Main("demo", func(ctx context.Context) error {
		switch returns {
		case "usage":
			return UsageError{Err: errors.New("unexpected argument \"x\"")}
		case "failure":
			return errors.New("listen: address in use")
		case "signal":
			fmt.Println("ready")
			<-ctx.Done()
		case "-h", "--help":
			fs := flag.NewFlagSet("demo", flag.ContinueOnError)
			fs.SetOutput(os.Stderr)
			fs.String("addr", "127.0.0.1:0", "loopback address")
			if err := fs.Parse([]string{returns}); err != nil {
				return UsageError{Err: err}
			}
		}
		return nil
	})
	os.Exit(0)
}

// Main exits 0, 2 on a usage error and 1 on another, the error on stderr
// after the command's name; SIGTERM ends its run's context. A help request
// (-h, --help) prints the usage alone and exits 0.
func TestMainExits(t *testing.T) {
	const demoUsage = "Usage of demo:\n  -addr string\n    \tloopback address (default \"127.0.0.1:0\")\n"
	// By what run returns: the exit code and stderr.
	for returns, want := range map[string]string{
		"nil":     "0 ",
		"usage":   "2 demo: unexpected argument \"x\"\n",
		"failure": "1 demo: listen: address in use\n",
		"signal":  "0 ",
		"-h":      "0 " + demoUsage,
		"--help":  "0 " + demoUsage,
	} {
		t.Run(returns, func(t *testing.T) {
			cmd := exec.Command(os.Args[0], "-test.run=^TestMainProcess$")
			cmd.Env = append(os.Environ(), mainEnv+"="+returns)
			stdout, err := cmd.StdoutPipe()
			if err != nil {
				t.Fatal(err)
			}
			p := testkit.Start(t, cmd)
			if returns == "signal" {
				if line, _ := bufio.NewReader(stdout).ReadString('\n'); line != "ready\n" {
					t.Fatalf("first line %q, want ready", line)
				}
			} else {
				_, _ = io.Copy(io.Discard, stdout)
				<-p.Exited()
			}
			if got := fmt.Sprintf("%d %s", p.Stop(t, syscall.SIGTERM, time.Minute), p.Stderr); got != want {
				t.Errorf("exit code and stderr %q, want %q", got, want)
			}
		})
	}
}
