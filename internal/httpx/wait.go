package httpx

import (
	"context"
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

// longWaitKey is the key of a context asking that a long Retry-After end
// a Poster's attempts (see WithLongWaitEnds).
type longWaitKey struct{}

// WithLongWaitEnds returns ctx asking a Poster not to wait a Retry-After
// that asks for more than its MaxRetryAfter: the request's attempts end at
// the answer that asked, its *HTTPError returned at once with the wait
// asked in full (RetryAfter), where a Poster otherwise waits the capped
// wait and tries again, into the same answer most likely (a backend in
// maintenance answering 503 with Retry-After: 3600 holds a request
// 3 × 30 s for nothing). For a caller that keeps the request for later,
// due when the server asked: an outbox's resends.
func WithLongWaitEnds(ctx context.Context) context.Context {
	return context.WithValue(ctx, longWaitKey{}, true)
}

// longWaitEnds reports whether f, a retryable failure, ends the attempts
// of a request made with ctx (see WithLongWaitEnds).
func (p *Poster) longWaitEnds(ctx context.Context, f *failure) bool {
	ends, _ := ctx.Value(longWaitKey{}).(bool)
	return ends && f.hasAfter && f.after > p.maxRetryAfter()
}

// maxRetryAfter is MaxRetryAfter, or its default.
func (p *Poster) maxRetryAfter() time.Duration {
	if p.MaxRetryAfter <= 0 {
		return DefaultMaxRetryAfter
	}
	return p.MaxRetryAfter
}

// wait returns the wait before retry n after failure f, at least
// MinWait: what a Retry-After asks, capped, or the backoff step when it
// asks for none (0, a date not after now: a retry at once would hammer a
// server that just said it is overloaded).
func (p *Poster) wait(n int, f *failure) time.Duration {
	var d time.Duration
	switch {
	case f.hasAfter && f.after > 0:
		d = min(f.after, p.maxRetryAfter())
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
