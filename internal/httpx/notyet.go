package httpx

import (
	"context"
	"errors"
	"time"
)

// NotYetError is an error of Request.Before saying that the attempt is
// not to be made yet, but may be later (the caller waits for something
// the server shows only after a while): Do does not make it, counts it
// among the attempts, waits the backoff and calls Before again for the
// next one; when none is left, Do returns it as Before's other errors.
type NotYetError struct{ Err error }

func (e *NotYetError) Error() string { return e.Err.Error() }
func (e *NotYetError) Unwrap() error { return e.Err }

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
