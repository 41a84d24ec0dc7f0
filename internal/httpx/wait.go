package httpx

import (
	"math"
	"time"
)

// The waits of a Poster between two attempts.

// Backoff returns the wait before retry n (1 for the first retry) when the
// server asked for none.
type Backoff func(n int) time.Duration

// Exponential returns the Backoff waiting initial, then twice as long
// before each further retry, at most limit when limit is positive. It
// saturates rather than overflow.
func Exponential(initial, limit time.Duration) Backoff {
	return func(n int) time.Duration {
		d := initial
		for i := 1; i < n && d > 0; i++ {
			if d > math.MaxInt64/2 {
				d = math.MaxInt64
				break
			}
			d *= 2
		}
		if limit > 0 {
			d = min(d, limit)
		}
		return d
	}
}

// Timer makes the waits between attempts; the real one is time.After.
// Tests inject one that records each wait and fires at once.
type Timer interface {
	After(time.Duration) <-chan time.Time
}

// wait returns the wait before retry n after failure f, at least
// MinWait: what a Retry-After asks, capped, or the backoff step when it
// asks for none (0, a date not after now: a retry at once would hammer a
// server that just said it is overloaded).
func (p *Poster) wait(n int, f *failure) time.Duration {
	var d time.Duration
	switch {
	case f.hasAfter && f.after > 0:
		limit := p.MaxRetryAfter
		if limit <= 0 {
			limit = DefaultMaxRetryAfter
		}
		d = min(f.after, limit)
	case p.Backoff != nil:
		d = p.Backoff(n)
	default:
		d = Exponential(DefaultDelay, 0)(n)
	}
	return max(d, p.MinWait, 0)
}

func (p *Poster) timer() Timer {
	if p.Timer != nil {
		return p.Timer
	}
	return realTimer{}
}

type realTimer struct{}

func (realTimer) After(d time.Duration) <-chan time.Time { return time.After(d) }
