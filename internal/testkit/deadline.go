package testkit

import (
	"context"
	"sync"
)

// Deadline is a context whose deadline passes when the test says so
// (Expire), not at a time: Done is closed then and Err is
// context.DeadlineExceeded, as a run's --timeout gives it, with no clock
// involved. Its values are context.Background's.
type Deadline struct {
	context.Context
	once sync.Once
	done chan struct{}
}

// NewDeadline returns a Deadline not yet passed.
func NewDeadline() *Deadline {
	return &Deadline{Context: context.Background(), done: make(chan struct{})}
}

// Expire makes the deadline pass; a second call does nothing.
func (d *Deadline) Expire() { d.once.Do(func() { close(d.done) }) }

// Done is closed once the deadline passed.
func (d *Deadline) Done() <-chan struct{} { return d.done }

// Err is context.DeadlineExceeded once the deadline passed, nil before.
func (d *Deadline) Err() error {
	select {
	case <-d.done:
		return context.DeadlineExceeded
	default:
		return nil
	}
}
