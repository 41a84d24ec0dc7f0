package transport

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/injectkit/injectkit/internal/httpx"
	"github.com/injectkit/injectkit/signatures"
)

// ValidationError reports bad input found before any I/O. Field is the path
// of the value in the payload or the option at fault, for example
// "targets[3].signature_values[0].expectation_type". It is the signatures
// package's type, so one errors.As catches invalid input from either package.
type ValidationError = signatures.ValidationError

// Sentinels matched with errors.Is.
var (
	// ErrTargetTooLarge matches a *TargetTooLargeError.
	ErrTargetTooLarge = errors.New("target too large for one body")
	// ErrPermanent matches a *TransmissionError the backend will repeat
	// whatever the number of tries: a 4xx status other than 407, 408, 409 and
	// 429, or a 501 or 505. A caller keeping bodies for later (an outbox) drops those and
	// keeps the others. It is httpx.ErrPermanent, the one permanent
	// marker of every injectkit client (openaev.ErrPermanent too).
	ErrPermanent = httpx.ErrPermanent
	// ErrRetriesExhausted matches a *TransmissionError whose every attempt
	// failed with a status or a network error worth retrying. It is
	// httpx.ErrRetriesExhausted.
	ErrRetriesExhausted = httpx.ErrRetriesExhausted
)

// TargetTooLargeError reports a target whose encoding cannot fit in one body
// even alone. Nothing has been sent when it is returned.
type TargetTooLargeError struct {
	Index int // position of the target in the payload
	Size  int // encoded size of the target, in bytes
	Max   int // the maximum body size
	// Room is what a body of at most Max bytes leaves for the target once
	// its envelope (phase, chunk fields) is written; 0 when unknown.
	Room int
	// Chunked is true when Room is that of a chunked payload's body: the
	// target fits in a body of its own, not in one of the payload's.
	Chunked bool
	// Need, when known, is the least maximum body size with which the
	// whole payload fits (see LeastFit): the size to give instead of
	// Max. 0 when unknown, or when no size allowed fits.
	Need int
}

// LeastFit returns the least size from lo to hi for which fits holds, or 0
// when none does. fits must be monotone (a larger size fits what a smaller
// one does), and is called O(log(answer-lo)) times: steps doubling from
// lo, then a binary search between the last two. It is LeastFitFrom
// starting at lo.
func LeastFit(lo, hi int, fits func(size int) bool) int {
	return LeastFitFrom(lo, hi, lo, fits)
}

// LeastFitFrom is LeastFit searching from guess (taken into lo..hi): the
// same least size, for O(log|answer-guess|) calls of fits instead of
// O(log(answer-lo)). Steps doubling from guess, down while they fit, up
// while they do not, then a binary search between the last two; two calls
// when guess is the answer. A caller that knows a size near the answer
// (a lower bound, say) gives it as guess; a wrong guess costs calls,
// never the answer.
func LeastFitFrom(lo, hi, guess int, fits func(size int) bool) int {
	if lo > hi {
		return 0
	}
	guess = min(max(guess, lo), hi)
	below, fit := lo-1, guess // below does not fit (lo-1 is assumed not to); fit does
	if fits(guess) {
		for step := 1; fit-below > 1; step *= 2 {
			n := fit - min(step, fit-below-1)
			if !fits(n) {
				below = n
				break
			}
			fit = n
		}
	} else {
		below = guess
		for step := 1; ; step *= 2 {
			if below == hi {
				return 0
			}
			n := below + min(step, hi-below)
			if fits(n) {
				fit = n
				break
			}
			below = n
		}
	}
	for fit-below > 1 {
		mid := below + (fit-below)/2
		if fits(mid) {
			fit = mid
		} else {
			below = mid
		}
	}
	return fit
}

func (e *TargetTooLargeError) Error() string {
	switch {
	case e.Room <= 0 || e.Room >= e.Max:
		return fmt.Sprintf("targets[%d]: encoded size %d bytes does not fit in a body of at most %d bytes", e.Index, e.Size, e.Max)
	case e.Chunked:
		return fmt.Sprintf("targets[%d]: encoded size %d bytes does not fit in the %d bytes a body of at most %d bytes leaves for targets when the payload is chunked",
			e.Index, e.Size, e.Room, e.Max)
	}
	return fmt.Sprintf("targets[%d]: encoded size %d bytes does not fit in the %d bytes a body of at most %d bytes leaves for a target", e.Index, e.Size, e.Room, e.Max)
}

// Is reports whether target is ErrTargetTooLarge.
func (e *TargetTooLargeError) Is(target error) bool { return target == ErrTargetTooLarge }

type failure uint8

const (
	failOther     failure = iota // not retried, not permanent (a 409, a 3xx, a refused certificate)
	failPermanent                // see ErrPermanent
	failExhausted                // see ErrRetriesExhausted
)

// TransmissionError reports a body the backend did not accept. Status is
// the last HTTP status received (0 when the last attempt got no response,
// in which case Err holds the network error, its text redacted). Body is
// the start of the response body, at most 4 KiB, with the token redacted.
// When the request was made, the *httpx.HTTPError it failed with is in the
// error's chain (errors.As).
type TransmissionError struct {
	Status int
	Body   string
	// Delivered lists, for a chunked send, the indices of the chunks the
	// backend accepted before this failure.
	Delivered []int
	Err       error
	// Chunk is the index of the body that failed and Total the number of
	// bodies of the send.
	Chunk, Total int
	// Attempts is the number of requests made for the failed body.
	Attempts int

	kind  failure
	cause *httpx.HTTPError // nil when no request failed (ctx ended)
	// late says the wait a 429's or 503's Retry-After asked that the
	// deadline left no room for (httpx.LateReason), "" otherwise.
	late string
}

// transmissionError returns the error of chunk i from the request's error
// err, whose *httpx.HTTPError is he.
func transmissionError(err error, he *httpx.HTTPError, i int) *TransmissionError {
	te := &TransmissionError{Status: he.Status, Body: he.Body, Err: he.Err, Chunk: i, Total: 1,
		Attempts: he.Attempts, cause: he, late: httpx.LateReason(err, "the backend")}
	switch {
	case he.Exhausted:
		te.kind = failExhausted
	case he.Permanent():
		te.kind = failPermanent
	default:
		te.kind = failOther
	}
	return te
}

func (e *TransmissionError) Error() string {
	var b strings.Builder
	switch {
	case e.kind == failExhausted:
		b.WriteString("callback failed " + httpx.AfterAttempts(e.Attempts))
	case e.kind == failPermanent:
		b.WriteString("callback rejected")
	case httpx.Redirection(e.Status), httpx.ProxyRefused(e.Status):
		// Redirect's sentence says whether a later try may succeed, and
		// a proxy's 407 is no answer of the backend's.
		b.WriteString("callback not delivered")
	case e.Status != 0:
		// A 3xx, a 409: not retried now, but not refused for good either
		// (the body stays pending, never dead).
		b.WriteString("callback not accepted for now (a later try may succeed)")
	default:
		b.WriteString("callback failed")
	}
	if httpx.Redirection(e.Status) {
		b.WriteString(": " + httpx.Redirect(e.Status, httpx.Location(e.cause), "the backend URL (--backend-url)"))
	} else {
		b.WriteString(httpx.Detail(e.Status, "", e.Body, e.Err))
	}
	if e.late != "" {
		b.WriteString("; " + e.late)
	}
	if e.Total > 1 {
		fmt.Fprintf(&b, " (chunk %d of %d; delivered chunks %s)", e.Chunk, e.Total, formatIndices(e.Delivered))
	}
	return b.String()
}

// Unwrap returns the *httpx.HTTPError the request failed with, whose own
// Unwrap gives the network error, or, without one, Err.
func (e *TransmissionError) Unwrap() error { return httpx.Cause(e.cause, e.Err) }

// Is reports whether target is ErrPermanent or ErrRetriesExhausted and
// describes e.
func (e *TransmissionError) Is(target error) bool {
	return httpx.Matches(target, e.kind == failPermanent, e.kind == failExhausted)
}

// Permanent reports whether retrying the same body later is pointless.
func (e *TransmissionError) Permanent() bool { return e.kind == failPermanent }

func formatIndices(ix []int) string {
	if len(ix) == 0 {
		return "none"
	}
	// Chunks are delivered in order, so the list is usually a range.
	contiguous := true
	for i := 1; i < len(ix); i++ {
		if ix[i] != ix[i-1]+1 {
			contiguous = false
			break
		}
	}
	if contiguous && len(ix) > 2 {
		return fmt.Sprintf("%d-%d", ix[0], ix[len(ix)-1])
	}
	parts := make([]string, len(ix))
	for i, v := range ix {
		parts[i] = strconv.Itoa(v)
	}
	return strings.Join(parts, ",")
}
