package testkit

import (
	"context"
	"sync"
	"testing"
	"time"
)

// StopTimeout is how long Routine.Stop waits for the function to return
// once its context is cancelled.
const StopTimeout = 60 * time.Second

// Routine is a function a test runs on its own goroutine until it cancels
// the function's context: a daemon run in memory, as Process is one run as
// a command.
type Routine[T any] struct {
	// Name names the function in messages.
	Name string

	cancel context.CancelFunc
	exited chan struct{}
	result T // f's, set before exited is closed
	once   sync.Once
}

// Go runs f on its own goroutine with a context that Stop cancels; the
// test's cleanup stops it at the latest.
func Go[T any](t testing.TB, name string, f func(ctx context.Context) T) *Routine[T] {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	r := &Routine[T]{Name: name, cancel: cancel, exited: make(chan struct{})}
	go func() {
		r.result = f(ctx)
		close(r.exited)
	}()
	t.Cleanup(func() { r.Stop(t) })
	return r
}

// Exited is closed once the function has returned.
func (r *Routine[T]) Exited() <-chan struct{} { return r.exited }

// Context returns a context of parent that also ends when the function
// returns, so that a wait on what it should do ends with it.
func (r *Routine[T]) Context(parent context.Context) (context.Context, context.CancelFunc) {
	return contextUntil(parent, r.exited)
}

// Stop cancels the function's context and returns what it returned. It
// fails t, and returns the zero T, when the function has not returned
// within StopTimeout.
func (r *Routine[T]) Stop(t testing.TB) T {
	t.Helper()
	r.once.Do(func() {
		r.cancel()
		timer := time.NewTimer(StopTimeout)
		defer timer.Stop()
		select {
		case <-r.exited:
		case <-timer.C:
			t.Errorf("%s did not return within %v of the cancellation", r.Name, StopTimeout)
		}
	})
	select {
	case <-r.exited:
		return r.result
	default:
		var zero T
		return zero
	}
}

// contextUntil returns a context of parent that also ends when done is
// closed.
func contextUntil(parent context.Context, done <-chan struct{}) (context.Context, context.CancelFunc) {
	ctx, cancel := context.WithCancel(parent)
	go func() {
		select {
		case <-done:
			cancel()
		case <-ctx.Done():
		}
	}()
	return ctx, cancel
}
