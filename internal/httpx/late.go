package httpx

import (
	"context"
	"errors"
	"time"
)

// A retry the context's deadline leaves no room for.

// LateRetryError is Poster.Do's error when a 429 or 503 asked, with its
// Retry-After, for a wait that ends at or after the deadline of Do's ctx:
// the retry could never be made, so Do ends at that answer rather than
// wait into the deadline and return its bare "context deadline exceeded",
// which hides that the server asked for a wait at all. Last is the
// answer's *HTTPError (errors.As finds it; it matches
// ErrRetriesExhausted: the request may succeed once the wait has passed),
// Last.RetryAfter the wait asked, uncapped. The ctx has not ended: the
// error is not ctx's.
type LateRetryError struct {
	Last *HTTPError
	// Wait is the wait the Poster would have made: the one asked, capped
	// by MaxRetryAfter, at least MinWait.
	Wait time.Duration
	// Left is the time that was left before the deadline.
	Left time.Duration
}

func (e *LateRetryError) Error() string {
	return e.Last.Error() + "; " + e.Reason()
}

// Reason says what the server asked and why it was not waited, for a
// caller that words the rest of its error itself: "the server asked to
// retry in 100s (Retry-After), more than the 4.9s left before the
// deadline: not retried", with the wait the Poster would have made when
// it is not the one asked ("(Retry-After, capped to 30s)").
func (e *LateRetryError) Reason() string { return e.reason("the server") }

// LateReason returns the Reason of the *LateRetryError in err's chain,
// the server named who ("the backend", "the platform"), or "" when err
// holds none: for an error type of another package that rebuilds its text
// from the request's *HTTPError (transport's TransmissionError, openaev's
// APIError), which says the wait asked once, after the status.
func LateReason(err error, who string) string {
	var le *LateRetryError
	if !errors.As(err, &le) {
		return ""
	}
	return le.reason(who)
}

func (e *LateRetryError) reason(who string) string {
	s := who + " asked to retry in " + askedWait(e.Last.RetryAfter) + " (Retry-After"
	switch {
	case e.Wait < e.Last.RetryAfter:
		s += ", capped to " + seconds(e.Wait) + ")"
	case e.Wait > e.Last.RetryAfter:
		s += "; " + seconds(e.Wait) + " between two requests at the least)"
	default:
		s += ")"
	}
	return s + ", more than the " + seconds(e.Left.Truncate(time.Millisecond)) + " left before the deadline: not retried"
}

// Unwrap returns Last.
func (e *LateRetryError) Unwrap() error { return e.Last }

// askedWait writes the wait a Retry-After asked for, as the WARN line of
// a retry does.
func askedWait(d time.Duration) string {
	if d >= mostRetryAfter {
		return "more than 12 days" // capped there: the header may ask far more
	}
	return seconds(d)
}

// late returns the *LateRetryError ending Do when wait, the wait before
// the retry after f (the request's attempt sent, lost of them unanswered),
// is one f's Retry-After asked for and reaches ctx's deadline; nil
// otherwise: no deadline, a wait of the backoff (no Retry-After, 0, a date
// past), or a retry due before the deadline.
func late(ctx context.Context, op string, f *failure, wait time.Duration, sent, lost int) error {
	deadline, ok := ctx.Deadline()
	if !ok || !f.hasAfter || f.after <= 0 {
		return nil
	}
	left := time.Until(deadline)
	if wait < left {
		return nil
	}
	return &LateRetryError{Last: f.httpError(op, sent, lost), Wait: wait, Left: max(left, 0)}
}
