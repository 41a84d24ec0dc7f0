package testkit

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

// Process is a command a test started: its standard error goes to Stderr,
// and it is killed when the test ends (its standard error logged then if
// the test failed).
type Process struct {
	Cmd    *exec.Cmd
	Stderr *Buffer

	exited chan struct{}
	err    error // Wait's, set before exited is closed
}

// Start starts cmd, whose Stderr it sets, and waits for it in the
// background.
func Start(t testing.TB, cmd *exec.Cmd) *Process {
	t.Helper()
	p := &Process{Cmd: cmd, Stderr: &Buffer{}, exited: make(chan struct{})}
	cmd.Stderr = p.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		p.err = cmd.Wait()
		close(p.exited)
	}()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-p.exited
		if t.Failed() {
			t.Logf("%s stderr:\n%s", filepath.Base(cmd.Path), p.Stderr.String())
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
	ctx, cancel := context.WithCancel(parent)
	go func() {
		select {
		case <-p.exited:
			cancel()
		case <-ctx.Done():
		}
	}()
	return ctx, cancel
}

// Stop sends sig, waits for the process to exit and returns its exit code.
// It fails t when the process is still running after timeout, or when it
// could not be waited for.
func (p *Process) Stop(t testing.TB, sig os.Signal, timeout time.Duration) int {
	t.Helper()
	_ = p.Cmd.Process.Signal(sig)
	timer := time.NewTimer(timeout)
	defer timer.Stop()
	select {
	case <-p.exited:
	case <-timer.C:
		t.Fatalf("%s still running %v after %v", filepath.Base(p.Cmd.Path), timeout, sig)
	}
	var ee *exec.ExitError
	switch {
	case errors.As(p.err, &ee):
		return ee.ExitCode()
	case p.err != nil:
		t.Fatalf("%s: %v", filepath.Base(p.Cmd.Path), p.err)
	}
	return 0
}
