package cli_test

import (
	"context"
	"os"
	"strings"
	"syscall"
	"testing"

	"github.com/injectkit/injectkit/cli"
	"github.com/injectkit/injectkit/framework"
	"github.com/injectkit/injectkit/framework/frameworktest"
)

// TestRunInterruptNoticeOnTerminalStartsItsOwnLine is h221's finding: on a
// terminal, Ctrl-C's notice was written past the progress line, running on
// from its text ("nmap: running · 64 targets · 7sinjectkit: interrupt:
// stopping gracefully …"). The notice now goes through the progress line,
// as the log lines do: the line is erased, the notice written on its own
// line, and the progress drawn again below it.
func TestRunInterruptNoticeOnTerminalStartsItsOwnLine(t *testing.T) {
	const notice = "injectkit: interrupt: stopping gracefully"
	_, stderr := interruptOnTerminal(t, false, false)
	out := stderr.String()
	i := strings.Index(out, notice)
	if i < 0 {
		t.Fatalf("stderr does not say %q:\n%q", notice, out)
	}
	if before := out[:i]; !strings.HasSuffix(before, "\n") && !strings.HasSuffix(before, "\r\x1b[K") {
		t.Errorf("the notice runs on from the progress line:\n%q", out)
	}
	if after := out[i:]; !strings.Contains(after, "wait: timeout after") {
		t.Errorf("no progress line below the notice:\n%q", out)
	}
}

// TestRunInterruptedOnTerminalProgressSaysTimeout is h222's finding: a
// scan interrupted on a terminal left "nmap: done in 7.1s" as the progress
// line's last state, then the summary said "nmap: timeout". The last state
// now names the run's outcome, as the summary does.
func TestRunInterruptedOnTerminalProgressSaysTimeout(t *testing.T) {
	stdout, stderr := interruptOnTerminal(t, true, true)
	if out := stdout.String(); !strings.Contains(out, "wait: timeout ·") {
		t.Fatalf("the summary does not say timeout:\n%q", out)
	}
	out := stderr.String()
	last := out[strings.LastIndex(out, "\r\x1b[K")+len("\r\x1b[K"):]
	if !strings.HasPrefix(last, "wait: timeout after ") || !strings.Contains(last, "1/1 target reported · 1 result\n") {
		t.Errorf("the progress line's last state is %q, want it to say timeout as the summary does:\n%q", last, out)
	}
}

// interruptOnTerminal runs `run wait` with stderr on a terminal (stdout
// too when stdoutTTY), the executor waiting for its context after noting
// one partial result when partial, sends it SIGINT once its progress line
// shows it running, and checks that it exits as a timeout.
func interruptOnTerminal(t *testing.T, stdoutTTY, partial bool) (stdout, stderr *console) {
	t.Helper()
	reg := registry(func(r *framework.Registry) {
		r.Register("wait", func() framework.Executor {
			return &frameworktest.Executor{Run: func(ctx context.Context, in *framework.Inject) framework.ToolOutput {
				if partial {
					in.Partial("127.0.0.1:22/tcp open ssh")
				}
				<-ctx.Done()
				return framework.ToolOutput{}
			}}
		})
	})
	stdout, stderr = newConsole(stdoutTTY), newConsole(true)
	o := cli.Options{Registry: reg, Version: "1.2.3", Stdout: stdout, Stderr: stderr, Abort: cli.NewAbort(),
		Getenv: getenv(t, nil), Environ: environ(nil)}
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	sigs, exit := make(chan os.Signal, 1), make(chan int, 1)
	go cli.OnSignals(o, cancel, sigs, exit)
	done := make(chan int, 1)
	go func() {
		done <- cli.Run(ctx, o, []string{"injectkit", "run", "wait", "--target", "127.0.0.1", "--log-level", "error"})
	}()
	stderr.await(t.Context(), "wait: running")
	sigs <- syscall.SIGINT
	if code := <-done; code != cli.ExitFailed {
		t.Fatalf("exit %d, want %d (the interrupted run's timeout):\n%q", code, cli.ExitFailed, stderr.String())
	}
	return stdout, stderr
}
