package httpx

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Sentinels matched with errors.Is on an *HTTPError, or on an error of
// another package that wraps one or keeps its meaning (transport's
// TransmissionError, openaev's APIError).
var (
	// ErrPermanent matches a request the server refused in a way it will
	// repeat whatever the number of tries: sending it again is pointless.
	// For an *HTTPError, that is a final 4xx status other than 407, 408,
	// 409 and 429, or a 501 or 505 (see PermanentStatus).
	ErrPermanent = errors.New("permanent failure")
	// ErrRetriesExhausted matches a request whose every attempt failed
	// with a status or a network error worth retrying: it may succeed
	// later.
	ErrRetriesExhausted = errors.New("retries exhausted")
)

// HTTPError reports a request that failed. It matches ErrRetriesExhausted
// when Exhausted, ErrPermanent when Permanent, and neither otherwise (a 3xx,
// a 409, a refused certificate, a reply too large: not retried now, but
// maybe worth a later try).
type HTTPError struct {
	// Op names the request ("callback", "registration", "search").
	Op string
	// Status is the last HTTP status received, 0 when the last attempt got
	// no response (Err then says why).
	Status int
	// Body is the start of the last response body, at most 4 KiB, with the
	// poster's secrets redacted.
	Body string
	// Attempts is the number of requests made.
	Attempts int
	// Unanswered counts those of them that got no answer once the request
	// may have reached the server (as Reply.Unanswered; the last one
	// included): the server may have taken the request that many times.
	Unanswered int
	// Err is the error of the last attempt when it got no usable response
	// (a network error, a timeout, an unreadable reply), its text redacted.
	Err error
	// RetryAfter is the wait the last response asked for with a Retry-After
	// header (on a 429 or a 503), uncapped; 0 when it asked for none.
	RetryAfter time.Duration
	// Exhausted reports that the last failure was worth retrying: the
	// attempts ran out.
	Exhausted bool
	// Location is where a 3xx answer redirected, resolved against the
	// request's URL and shown as StripCredentials shows a URL, the
	// poster's secrets redacted; "" when the answer gave none.
	Location string
}

// AfterAttempts says "after n attempts", the noun agreeing with n ("after
// 1 attempt"): every error of a request whose attempts ran out says it so.
func AfterAttempts(n int) string {
	if n == 1 {
		return "after 1 attempt"
	}
	return "after " + strconv.Itoa(n) + " attempts"
}

func (e *HTTPError) Error() string {
	var b strings.Builder
	if e.Op != "" {
		b.WriteString(e.Op)
	} else {
		b.WriteString("request")
	}
	switch {
	case e.Exhausted:
		b.WriteString(" failed " + AfterAttempts(e.Attempts))
	case e.Status != 0 && e.Err == nil && !Redirection(e.Status) && !ProxyRefused(e.Status):
		b.WriteString(" rejected")
	default:
		b.WriteString(" failed")
	}
	if e.Err != nil {
		b.WriteString(": " + e.Err.Error())
	} else {
		b.WriteString(Detail(e.Status, e.Location, e.Body, nil))
	}
	return b.String()
}

// Unwrap returns Err.
func (e *HTTPError) Unwrap() error { return e.Err }

// Is reports whether target is ErrPermanent or ErrRetriesExhausted and
// describes e.
func (e *HTTPError) Is(target error) bool { return Matches(target, e.Permanent(), e.Exhausted) }

// Matches reports whether target is the sentinel that describes a failed
// request: ErrPermanent when permanent, ErrRetriesExhausted when exhausted.
// It is the Is method of HTTPError and of the error types that wrap one in
// other packages (transport's TransmissionError, openaev's APIError).
func Matches(target error, permanent, exhausted bool) bool {
	switch target {
	case ErrPermanent:
		return permanent
	case ErrRetriesExhausted:
		return exhausted
	}
	return false
}

// Cause is what an error type wrapping a failed request unwraps to: the
// *HTTPError he the request failed with, whose own Unwrap gives the
// network error, or err when no request failed (he nil: the context ended
// first).
func Cause(he *HTTPError, err error) error {
	if he != nil {
		return he
	}
	return err
}

// Location is where the 3xx answer a request failed with redirected
// (HTTPError.Location): "" when he is nil (no request failed) or the
// answer gave none.
func Location(he *HTTPError) string {
	if he == nil {
		return ""
	}
	return he.Location
}

// Detail is the end of the message of an error type wrapping a failed
// request: ": status 400" and the quoted body when a status came back
// (unquoted when it is a WithheldText note, which the server never said)
// (for a 3xx, Redirect's sentence in place of the body), else ": " and
// err, else "".
func Detail(status int, location, body string, err error) string {
	switch {
	case Redirection(status):
		return ": " + Redirect(status, location, "the URL")
	case ProxyRefused(status):
		return fmt.Sprintf(": status %d: %s", status, ProxyHint) // the proxy's page, not the server's words
	case status != 0 && IsWithheld(body):
		return fmt.Sprintf(": status %d: %s", status, body) // our note, not the server's words
	case status != 0 && body != "":
		return fmt.Sprintf(": status %d: %q", status, body)
	case status != 0:
		return fmt.Sprintf(": status %d", status)
	case err != nil:
		return ": " + err.Error()
	}
	return ""
}

// InterruptedError is Poster.Do's error when ctx ended once a request
// was made: it is ctx's error (errors.Is context.Canceled, and its
// message); Attempts counts the requests made, the one ctx cut short in
// flight included (the backend may have received it), never an attempt
// held back (NotYetError), and Last is the
// failure of the last attempt that failed on its own (an answer refused,
// a network error), nil when none did, for a caller that records what was
// tried. Waiting reports that ctx ended a wait between two attempts (a
// backoff, a Retry-After), or came right after an attempt that ended on
// its own (an answer, a 503 say: Last), not an attempt: no request was
// in flight, and Resume is when the next attempt was due (zero when none
// was left). Connected reports, when ctx cut an attempt short (not
// Waiting), that it had connected: the backend may have received it; one
// that never got a connection cannot have.
type InterruptedError struct {
	Err       error // ctx.Err()
	Last      *HTTPError
	Attempts  int
	Waiting   bool
	Resume    time.Time
	Connected bool
}

func (e *InterruptedError) Error() string { return e.Err.Error() }
func (e *InterruptedError) Unwrap() error { return e.Err }

// TimeoutError is an attempt its timeout cut short: the server did not
// answer, or not whole, within it. It is a net.Error whose Timeout is
// true, and errors.Is context.DeadlineExceeded.
type TimeoutError struct {
	Limit time.Duration
	Err   error // what the cut attempt returned
}

func (e *TimeoutError) Error() string {
	return NoAnswer(e.Limit) + " (the limit of one attempt, its reply included)"
}

func (e *TimeoutError) Unwrap() error { return e.Err }

// Timeout reports true: a *url.Error holding e says so too.
func (e *TimeoutError) Timeout() bool { return true }

// Temporary reports true, as the deadline error it replaces does.
func (e *TimeoutError) Temporary() bool { return true }

// NoAnswer is how injectkit says that a server did not answer within d,
// whatever waited for it (an attempt, a registration): "no answer within
// 30s", never the "context deadline exceeded" of the context that
// stopped it, which reads as the run's own --timeout.
func NoAnswer(d time.Duration) string { return "no answer within " + d.String() }

// failure is the outcome of one failed attempt.
type failure struct {
	status   int
	body     string
	err      error
	retry    bool
	after    time.Duration // from a Retry-After header, when hasAfter
	hasAfter bool
	location string // of a 3xx, as HTTPError.Location
	// unanswered: no answer came once the request may have reached the
	// server (see Reply.Unanswered); of a cut attempt, that it had
	// connected (InterruptedError.Connected), a 2xx whose body ctx cut
	// included.
	unanswered bool
	// cut: the Do's ctx ended the attempt (err is its error).
	cut bool
}

func (f *failure) Error() string {
	if f.err != nil {
		return f.err.Error()
	}
	return "status " + strconv.Itoa(f.status)
}

// httpError is the error of a request whose attempt n, its last, failed
// with f, lost of its attempts getting no answer (HTTPError.Unanswered).
func (f *failure) httpError(op string, n, lost int) *HTTPError {
	return &HTTPError{Op: op, Status: f.status, Body: f.body, Attempts: n, Unanswered: lost, Err: f.err, RetryAfter: f.after,
		Exhausted: f.retry, Location: f.location}
}
