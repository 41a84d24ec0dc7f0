package testkit

import (
	"reflect"
	"sync"
	"testing"
	"time"
)

// Intervals of WaitFor's checks: the first after minPoll, each one twice
// as long as the one before, at most maxPoll.
const (
	minPoll = time.Millisecond
	maxPoll = 50 * time.Millisecond
)

// Hang bounds a test's wait for what correct code does at once (a line
// logged, a record written, a child killed, a call returning after its
// context ended): it ends a hang only, the step never coming. No load
// makes a step of milliseconds take it, where a bound of seconds failed
// the tests of a machine that stalled past it.
const Hang = 2 * time.Minute

// Signal tells whoever waits on it that something changed: a fake calls
// Notify after each change of its state, and WaitFor checks its condition
// again at once. The zero value is ready to use.
type Signal struct {
	mu sync.Mutex
	ch chan struct{}
}

// Notify wakes every current waiter.
func (s *Signal) Notify() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ch != nil {
		close(s.ch)
		s.ch = nil
	}
}

// C returns a channel closed by the next Notify: take it before checking
// what the signal guards, and no change is missed.
func (s *Signal) C() <-chan struct{} {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ch == nil {
		s.ch = make(chan struct{})
	}
	return s.ch
}

// WaitFor waits until cond holds, and fails t, naming what it waited for,
// when timeout passes first. cond is checked at once, then each time one of
// the signals fires, and in any case at intervals growing from 1 ms to
// 50 ms: a signal ends the wait as soon as the change it reports happens,
// the intervals catch a change no signal reports.
func WaitFor(t testing.TB, timeout time.Duration, what string, cond func() bool, on ...*Signal) {
	t.Helper()
	if !Within(timeout, cond, on...) {
		t.Fatalf("timed out after %v waiting for %s", timeout, what)
	}
}

// Within is WaitFor without the test: it reports whether cond held before
// timeout passed.
func Within(timeout time.Duration, cond func() bool, on ...*Signal) bool {
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	// Cases 0 and 1 are the deadline and the next check; the signals follow.
	cases := make([]reflect.SelectCase, 2+len(on))
	cases[0] = reflect.SelectCase{Dir: reflect.SelectRecv, Chan: reflect.ValueOf(deadline.C)}
	for poll := minPoll; ; poll = min(2*poll, maxPoll) {
		for i, s := range on {
			cases[2+i] = reflect.SelectCase{Dir: reflect.SelectRecv, Chan: reflect.ValueOf(s.C())}
		}
		if cond() {
			return true
		}
		tick := time.NewTimer(poll)
		cases[1] = reflect.SelectCase{Dir: reflect.SelectRecv, Chan: reflect.ValueOf(tick.C)}
		chosen, _, _ := reflect.Select(cases)
		tick.Stop()
		if chosen == 0 {
			return cond()
		}
	}
}

// Concurrently calls fn(0) to fn(n-1), each in its own goroutine, waits
// for them all and reports each error through t: run under -race, it shows
// what the calls share unsafely.
func Concurrently(t testing.TB, n int, fn func(i int) error) {
	t.Helper()
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { errs[i] = fn(i) })
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("call %d: %v", i, err)
		}
	}
}
