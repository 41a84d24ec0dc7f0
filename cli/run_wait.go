package cli

import (
	"errors"
	"fmt"
	"time"

	"github.com/injectkit/injectkit/internal/httpx"
)

// keptAtLongWait returns the wait the backend asked for, with the
// Retry-After of the 429 or 503 that ended a run's delivery, when it asked
// for more than a retry waits (httpx.DefaultMaxRetryAfter): the outbox
// kept the body at that answer rather than wait into the same answer
// (httpx.WithLongWaitEnds). 0 otherwise.
func keptAtLongWait(err error) time.Duration {
	var he *httpx.HTTPError
	if !errors.As(err, &he) || he.RetryAfter <= httpx.DefaultMaxRetryAfter {
		return 0
	}
	return he.RetryAfter
}

// keptAtLongWaitHint says, for a run whose body the outbox kept at a long
// Retry-After, how long the backend asked and when a flush is worth
// running: the error said the status, not the wait.
func keptAtLongWaitHint(err error) string {
	d := keptAtLongWait(err)
	if d == 0 {
		return ""
	}
	asked := d.String()
	if d >= 1<<20*time.Second { // httpx.ParseRetryAfter's cap: the header may ask far more
		asked = "more than 12 days"
	}
	return fmt.Sprintf("the backend asked to wait %s (the Retry-After of its 429 or 503): kept without waiting; flush once that has passed", asked)
}
