package testkit

import (
	"context"
	"testing"
)

// TestRoutine runs a function until Stop: Stop cancels its context and
// returns its result, again on a second call, and Context ends with it.
func TestRoutine(t *testing.T) {
	started := make(chan struct{})
	r := Go(t, "daemon", func(ctx context.Context) int {
		close(started)
		<-ctx.Done()
		return 7
	})
	<-started
	ctx, cancel := r.Context(context.Background())
	defer cancel()
	select {
	case <-r.Exited():
		t.Fatal("exited before Stop")
	case <-ctx.Done():
		t.Fatal("context ended before the function returned")
	default:
	}
	if got := r.Stop(t); got != 7 {
		t.Errorf("Stop = %d, want 7", got)
	}
	<-ctx.Done() // ended with the function
	if got := r.Stop(t); got != 7 {
		t.Errorf("second Stop = %d, want 7", got)
	}
}

// TestRoutineReturnsEarly: a function that returns by itself ends the
// contexts of Context, and Stop returns its result.
func TestRoutineReturnsEarly(t *testing.T) {
	r := Go(t, "quick", func(context.Context) string { return "done" })
	ctx, cancel := r.Context(context.Background())
	defer cancel()
	<-ctx.Done()
	<-r.Exited()
	if got := r.Stop(t); got != "done" {
		t.Errorf("Stop = %q", got)
	}
}
