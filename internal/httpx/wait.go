package httpx

import "time"

// The waits of a Poster between two attempts.

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
