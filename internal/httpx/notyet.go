package httpx

import (
	"context"
	"errors"
	"time"
)

// NotYetError is an error of Request.Before saying that the attempt is
// not to be made yet, but may be later (the caller waits for something
// the server shows only after a while): Do does not make it, counts it
// among the attempts it may make (Poster.Attempts), waits the backoff
// and calls Before again for the next one; when none is left, Do returns
// it as Before's other errors, Last set to the request's last failure:
// what a caller that keeps the request for later records of the
// attempts made (their number, those that got no answer, the server's
// last answer), as for a request whose attempts failed. An attempt held
// back is no request: the Attempts Do reports (Reply, HTTPError,
// InterruptedError) count the requests made only, and a stop during the
// wait after attempts held back alone returns ctx's error, as one before
// the first attempt does.
type NotYetError struct {
	Err error
	// Until is when the attempt may be made, as far as the caller knows
	// (the end of the while it waits for); zero when it does not know.
	// A caller keeping the request for later tries it again then.
	Until time.Time
	// Last is the last attempt of the request that failed on its own (as
	// InterruptedError.Last), nil when none did or Before returned e for
	// the first attempt; its Attempts counts the requests made.
	Last *HTTPError
}

func (e *NotYetError) Error() string {
	if e.Last == nil {
		return e.Err.Error()
	}
	return e.Err.Error() + "; the last attempt: " + e.Last.Error()
}

// Unwrap returns Err, and Last when set: errors.As finds the request's
// failure in e.
func (e *NotYetError) Unwrap() []error {
	if e.Last == nil {
		return []error{e.Err}
	}
	return []error{e.Err, e.Last}
}

// spent returns berr, Before's error ending Do, with last (the request's
// last failure) set when it is a *NotYetError: no attempt was left.
func spent(berr error, last *HTTPError) error {
	later, ok := berr.(*NotYetError)
	if !ok || last == nil || later.Last != nil {
		return berr
	}
	return &NotYetError{Err: later.Err, Until: later.Until, Last: last}
}

// notYet reports whether berr, Before's error for attempt *n+1, is a
// *NotYetError with an attempt left after it: the attempt is counted
// (*n), the backoff waited (its end in *resume; cut short by ctx, whose
// end Do then returns), and Do goes on to the next attempt.
func (p *Poster) notYet(ctx context.Context, berr error, n *int, attempts int, resume *time.Time) bool {
	var later *NotYetError
	if !errors.As(berr, &later) || *n+1 >= attempts || ctx.Err() != nil {
		return false
	}
	*n++
	wait := p.wait(*n, &failure{})
	*resume = time.Now().Add(wait)
	select {
	case <-p.timer().After(wait):
	case <-ctx.Done():
	}
	return true
}
