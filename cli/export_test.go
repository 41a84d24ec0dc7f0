package cli

import (
	"context"
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
