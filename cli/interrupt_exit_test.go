package cli_test

import (
	"context"
	"testing"

	"github.com/injectkit/injectkit/cli"
)

// TestAbortExiting checks what main runs before it exits at once: every
// function registered and not removed, each once, and that a wait ended
// (a further signal, or main's bound) returns without waiting for one
// that does not return.
func TestAbortExiting(t *testing.T) {
	a := cli.NewAbort()
	ran := make(chan string, 3)
	a.OnExit(func() { ran <- "kept" })
	remove := a.OnExit(func() { ran <- "removed" })
	a.OnExit(func() { ran <- "second" })
	remove()
	a.Exiting(context.Background())
	close(ran)
	got := map[string]int{}
	for name := range ran {
		got[name]++
	}
	if got["kept"] != 1 || got["second"] != 1 || got["removed"] != 0 {
		t.Errorf("ran %v, want kept and second once each, removed never", got)
	}

	stuck := make(chan struct{})
	defer close(stuck)
	b := cli.NewAbort()
	b.OnExit(func() { <-stuck })
	ctx, cancel := context.WithCancel(context.Background())
	cancel() // a further signal
	b.Exiting(ctx)

	var none *cli.Abort // commands run without main's abort
	none.OnExit(func() { t.Error("ran on a nil Abort") })()
	none.Exiting(context.Background())
}
