package cli

import (
	"context"
	"sync"
)

// Abort is the second interrupt of a command, which main hands over
// (Fire) rather than exiting at once while a run sends its signatures: the
// send stops posting (the request in flight is cut short), stores in the
// outbox every body not yet stored, and the run exits 130 saying how many
// bodies wait there; without an outbox (--outbox none) it prints the
// signatures of the chunks not delivered. A command that holds no send
// leaves main to exit at once.
type Abort struct {
	mu    sync.Mutex
	held  int
	fired bool
	ch    chan struct{}
}

// NewAbort returns an Abort not fired.
func NewAbort() *Abort { return &Abort{ch: make(chan struct{})} }

// Fire fires the abort, once, and reports whether a send holds it: that
// send returns soon on its own, and the command with it (exit 130);
// otherwise the caller exits at once.
func (a *Abort) Fire() bool {
	if a == nil {
		return false
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if !a.fired {
		a.fired = true
		close(a.ch)
	}
	return a.held > 0
}

// Hold is called by a send as it starts: abort is closed once the abort
// fires (never for a nil Abort), and release, called once the send has
// returned, ends the hold.
func (a *Abort) Hold() (abort <-chan struct{}, release func()) {
	if a == nil {
		return nil, func() {}
	}
	a.mu.Lock()
	a.held++
	a.mu.Unlock()
	var once sync.Once
	return a.ch, func() {
		once.Do(func() {
			a.mu.Lock()
			a.held--
			a.mu.Unlock()
		})
	}
}

// Fired reports whether the abort fired.
func (a *Abort) Fired() bool {
	if a == nil {
		return false
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.fired
}

// context returns ctx, held (see Hold) and cancelled once the abort fires,
// and the function that releases it.
func (a *Abort) context(ctx context.Context) (context.Context, func()) {
	abort, release := a.Hold()
	ctx, cancel := context.WithCancel(ctx)
	if abort != nil {
		go func() {
			select {
			case <-abort:
				cancel()
			case <-ctx.Done():
			}
		}()
	}
	return ctx, func() { cancel(); release() }
}
