package openaev

import (
	"context"
	"errors"
	"fmt"
	"sync"
)

// inflight holds the runs a Processor has in flight, by inject id, so that
// a redelivered message of an inject this process is running waits for
// that run rather than run the inject a second time at once. That happens
// when the broker connection drops mid-run: the run goes on, its
// acknowledgement is lost with the channel, and the broker delivers the
// message again, to the new connection of the same process. The zero value
// is ready; it is safe for concurrent use.
type inflight struct {
	mu   sync.Mutex
	runs map[string]*flight
}

// flight is one run of inject id: done is closed when it ends, with err
// its outcome.
type flight struct {
	id   string
	done chan struct{}
	err  error
}

// start registers a run of id and returns the function that ends it with
// its outcome. When another run of id is already registered (a second
// message for the same inject, not a redelivery), the first one stays the
// one redeliveries wait for.
func (f *inflight) start(id string) (end func(err error)) {
	if end, running := f.claim(id); running == nil {
		return end
	}
	return func(error) {}
}

// claim registers a run of id and returns the function that ends it
// with its outcome, unless a run of id is in flight already: then it
// registers nothing and returns that run.
func (f *inflight) claim(id string) (end func(err error), running *flight) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if fl, ok := f.runs[id]; ok {
		return nil, fl
	}
	if f.runs == nil {
		f.runs = map[string]*flight{}
	}
	fl := &flight{id: id, done: make(chan struct{})}
	f.runs[id] = fl
	return func(err error) {
		f.mu.Lock()
		delete(f.runs, id)
		f.mu.Unlock()
		fl.err = err
		close(fl.done)
	}, nil
}

// running returns the run of id in flight, nil when none.
func (f *inflight) running(id string) *flight {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.runs[id]
}

// wait waits for the run to end and returns its outcome. When ctx ends
// first, it returns ctx's error: the message goes back to the queue.
func (fl *flight) wait(ctx context.Context) error {
	select {
	case <-fl.done:
		return fl.err
	case <-ctx.Done():
		return fmt.Errorf("inject %s: waiting for its run in flight: %w", fl.id, ctx.Err())
	case <-goneOf(ctx):
		return fmt.Errorf("inject %s: %w while it waited for the inject's run in flight here", fl.id, errGone)
	}
}

// goneKey is the key of the channel closed once the broker channel of
// ctx's message closed (see withGone).
type goneKey struct{}

// errGone ends the wait of a message whose broker channel closed: the
// broker has it back and delivers it again, and that copy waits (or
// takes the outcome) in its place. Held, each copy a consumer_timeout
// delivers again during a long run, or a result held in memory, would
// hold one more worker, until no worker took messages.
var errGone = errors.New("the channel of the message closed (the broker delivers it again)")

// withGone returns ctx carrying gone (serve.Delivery.Gone), nil for none.
func withGone(ctx context.Context, gone <-chan struct{}) context.Context {
	if gone == nil {
		return ctx
	}
	return context.WithValue(ctx, goneKey{}, gone)
}

// goneOf returns the channel of withGone, nil (never ready) without one.
func goneOf(ctx context.Context) <-chan struct{} {
	gone, _ := ctx.Value(goneKey{}).(<-chan struct{})
	return gone
}

// panicked is the outcome of a run whose handling panicked with v, for
// the copies waiting for it (raised again, the panic is the handling's
// own): an error, so that a copy fails as that handling does, where a nil
// would settle (acknowledge) it with nothing delivered.
func panicked(id string, v any) error {
	return fmt.Errorf("inject %s: the handling of another copy panicked: %v", id, v)
}
