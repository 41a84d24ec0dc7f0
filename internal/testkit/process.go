package testkit

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// Process is a command a test started: its standard error goes to Stderr,
// and it is killed when the test ends (its standard error logged then if
// the test failed).
type Process struct {
	Cmd    *exec.Cmd
	Stderr *Buffer
	// Name names the process in messages; Start sets it to the command's
	// base name.
	Name string
	// LogLines is how many of the last lines of Stderr the cleanup logs
	// when the test failed: all of them when 0, none when negative (a
	// test that keeps the logs its own way).
	LogLines int

	exited chan struct{}
	err    error // Wait's, set before exited is closed
}

// Start starts cmd, whose Stderr it sets, and waits for it in the
// background. cmd gets SIGKILL when the test binary dies without its
// cleanups (StartBound).
func Start(t testing.TB, cmd *exec.Cmd) *Process {
	t.Helper()
	p := &Process{Cmd: cmd, Stderr: &Buffer{}, Name: filepath.Base(cmd.Path), exited: make(chan struct{})}
	cmd.Stderr = p.Stderr
	// SIGKILL if the test binary dies before the cleanup below.
	if err := StartBound(cmd, syscall.SIGKILL, func(err error) {
		p.err = err
		close(p.exited)
	}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-p.exited
		if t.Failed() && p.LogLines >= 0 {
			t.Logf("%s stderr:\n%s", p.Name, Tail(p.Stderr.String(), p.LogLines))
		}
	})
	return p
}

// Exited is closed once the process has exited.
func (p *Process) Exited() <-chan struct{} { return p.exited }

// Err returns how the process exited, once Exited is closed: Wait's error.
func (p *Process) Err() error {
	<-p.exited
	return p.err
}

// State says whether the process still runs, or how it exited.
func (p *Process) State() string {
	select {
	case <-p.exited:
		return fmt.Sprintf("exited: %v", p.err)
	default:
		return "running"
	}
}

// Context returns a context of parent that also ends when the process
// exits, so that a wait on what it should do ends with it.
func (p *Process) Context(parent context.Context) (context.Context, context.CancelFunc) {
	return contextUntil(parent, p.exited)
}

// Stop sends sig, waits for the process to exit and returns its exit code.
// It fails t when the process could not be waited for, and when it is
// still running after timeout: then it sends it SIGQUIT first, on which a
// Go program prints the stacks of its goroutines and exits, and the
// failure holds what the process wrote after the SIGQUIT (those stacks:
// where it hangs) and the last of what it wrote before.
func (p *Process) Stop(t testing.TB, sig os.Signal, timeout time.Duration) int {
	t.Helper()
	_ = p.Cmd.Process.Signal(sig)
	timer := time.NewTimer(timeout)
	defer timer.Stop()
	select {
	case <-p.exited:
	case <-timer.C:
		t.Fatalf("%s still running %v after %v; %s", p.Name, timeout, sig, p.quit())
		return -1
	}
	var ee *exec.ExitError
	switch {
	case errors.As(p.err, &ee):
		return ee.ExitCode()
	case p.err != nil:
		t.Fatalf("%s: %v", p.Name, p.err)
	}
	return 0
}

// quitGrace is how long quit waits for the process to print its stacks
// and exit after SIGQUIT.
const quitGrace = 10 * time.Second

// tailBytes is how much of what the process wrote before the SIGQUIT quit
// reports: its last line may be a long one.
const tailBytes = 4 << 10

// quit sends the process SIGQUIT, waits quitGrace for it to exit, and says
// what it wrote after the signal and, at most tailBytes of it, before.
func (p *Process) quit() string {
	before := len(p.Stderr.String())
	if err := p.Cmd.Process.Signal(sigQuit); err != nil {
		return fmt.Sprintf("no SIGQUIT sent (%v); its stderr ends:\n%s", err, clip(p.Stderr.String(), tailBytes))
	}
	state := "exited on SIGQUIT"
	select {
	case <-p.exited:
	case <-time.After(quitGrace):
		state = fmt.Sprintf("still running %v after SIGQUIT", quitGrace)
	}
	out := p.Stderr.String()
	return fmt.Sprintf("%s; its stderr ended:\n%s\nits stderr after SIGQUIT (a Go program's goroutines):\n%s",
		state, clip(out[:before], tailBytes), out[before:])
}

// clip returns the last n bytes of s, marked as cut when s is longer.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return fmt.Sprintf("[%d bytes before]...%s", len(s)-n, s[len(s)-n:])
}

// Tail returns the last n lines of s, all of them when n is 0 or less.
func Tail(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if n > 0 && len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
