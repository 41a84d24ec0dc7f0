package cli

import "time"

// FastRetries returns o whose requests to a backend or the platform wait
// d, doubling, between their attempts, not 1 s: a test whose backend
// answers 503 (or cuts the connection) runs in milliseconds.
func FastRetries(o Options, d time.Duration) Options {
	o.retryDelay = d
	return o
}
