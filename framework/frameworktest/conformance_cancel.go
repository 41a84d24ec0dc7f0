package frameworktest

import (
	"context"
	"sync"
	"testing"
	"time"
)

// honourCtx is what Conformance's failure of an Execute that did not
// return in time says it must do, and how: "it must honour ctx" alone
// left a newcomer whose Execute slept (time.Sleep) or dialed without ctx
// to find out what honouring it takes (tester t155).
const honourCtx = "it must honour ctx: return what it has once ctx.Done() is closed, waiting in a select on it " +
	"(not time.Sleep), and pass ctx to each call that blocks (net.Dialer.DialContext, a lookup, exec.CommandContext)"

// cancelAfter is how long the running check waits, at most, for Execute
// to consult its context before cancelling it anyway.
const cancelAfter = 50 * time.Millisecond

// checkCancelledWhileRunning starts Execute on the live inject, cancels
// its context once Execute has consulted it (Done, Err) or cancelAfter
// has passed, whichever comes first, and fails when Execute does not
// return within Options.Wait of the cancellation: one that checks ctx on
// entry, then blocks, ignores a cancellation that comes while it runs.
func (c *checker) checkCancelledWhileRunning(t testing.TB) {
	t.Helper()
	in := c.inject(t, c.targets)
	// A deadline as the runtime gives one; the cancellation comes first.
	deadline, stop := context.WithTimeout(context.Background(), c.o.Timeout)
	defer stop()
	parent, cancel := context.WithCancel(deadline)
	defer cancel()
	ctx := &watchedCtx{Context: parent, seen: make(chan struct{})}
	done := c.start(ctx, in)
	start := time.NewTimer(cancelAfter)
	defer start.Stop()
	var r result
	select {
	case r = <-done: // returned before the cancellation: nothing to honour
		c.checkOutput(t, "a context cancelled while it ran", r)
		c.notExercised(RuleCancelledWhileRunning, "Execute returned before its context was cancelled")
		return
	case <-ctx.seen:
	case <-start.C:
	}
	cancel()
	wait := time.NewTimer(c.o.Wait)
	defer wait.Stop()
	select {
	case r = <-done:
	case <-wait.C:
		t.Errorf("Execute did not return within %s of its context being cancelled while it ran (checking it on entry is not enough): %s", c.o.Wait, honourCtx)
		return
	}
	checkNotFailedByCtx(t, r, ctx.Err(), "once its context was cancelled while it ran (as Ctrl-C does)", len(in.PartialResults()))
	c.checkOutput(t, "a context cancelled while it ran", r)
}

// watchedCtx is a context that tells, by closing seen, the first time
// Execute consults it: Done, or Err after it has read the error (a
// cancellation that follows is one Execute has not seen yet).
type watchedCtx struct {
	context.Context
	once sync.Once
	seen chan struct{}
}

func (w *watchedCtx) saw() { w.once.Do(func() { close(w.seen) }) }

func (w *watchedCtx) Done() <-chan struct{} {
	d := w.Context.Done()
	w.saw()
	return d
}

func (w *watchedCtx) Err() error {
	err := w.Context.Err()
	w.saw()
	return err
}
