package openaev

import "sync"

// readOnce makes a read of the outbox at most once for a process's life
// once it succeeds, as sync.Once would, except that a read that fails
// (another process's lock kept past the lock timeout) is made again by
// the next caller. Callers that come while a read is in flight wait for
// it and take its error, so none waits twice for the lock that made it
// fail.
type readOnce struct {
	mu     sync.Mutex
	done   bool        // a read succeeded
	flight *readFlight // the read in flight, nil when none
}

// readFlight is a read in flight: err is set before done is closed.
type readFlight struct {
	done chan struct{}
	err  error
}

// Do calls read unless a read succeeded already, or waits for the read in
// flight, and returns that read's error.
func (o *readOnce) Do(read func() error) error {
	o.mu.Lock()
	if o.done {
		o.mu.Unlock()
		return nil
	}
	if f := o.flight; f != nil {
		o.mu.Unlock()
		<-f.done
		return f.err
	}
	f := &readFlight{done: make(chan struct{})}
	o.flight = f
	o.mu.Unlock()
	returned := false
	defer func() {
		o.mu.Lock()
		o.flight, o.done = nil, returned && f.err == nil
		o.mu.Unlock()
		close(f.done)
	}()
	f.err = read()
	returned = true
	return f.err
}
