package cli

import (
	"context"
	"os"
	"time"
)

// FastRetries returns o whose requests to a backend or the platform wait
// d, doubling, between their attempts, not 1 s: a test whose backend
// answers 503 (or cuts the connection) runs in milliseconds.
func FastRetries(o Options, d time.Duration) Options {
	o.retryDelay = d
	return o
}

// WithHosts returns o whose runtime resolves host names with lookup, not
// the system resolver: the machine's own name, the host names of a
// message's assets (resolved before the run) and those of host-name
// targets (their routes). A test that names hosts sends no DNS query.
func WithHosts(o Options, lookup func(ctx context.Context, host string) ([]string, error)) Options {
	o.lookupHost = lookup
	return o
}

// WithClock returns o whose openaev profile and outbox read now, not
// time.Now, for when a complete was sent and whether its ingestion window
// has passed: a test moves the window's time by hand instead of waiting
// for it, and what it checks holds however long the machine takes.
func WithClock(o Options, now func() time.Time) Options {
	o.now = now
	return o
}

// OnSignals is Main's handler of the process's signals on sigs, for a
// test that runs the application with Run and sends it signals without
// signalling the test process.
func OnSignals(o Options, cancel context.CancelFunc, sigs <-chan os.Signal, exit chan<- int) {
	onSignals(o, cancel, sigs, exit)
}
