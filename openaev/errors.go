package openaev

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/injectkit/injectkit/internal/httpx"
	"github.com/injectkit/injectkit/signatures"
)

// Sentinels matched with errors.Is on an *APIError.
var (
	// ErrPermanent matches a request the platform refused in a way it will
	// repeat: a 4xx other than 407, 408, 409 and 429, or a 501 or 505
	// (httpx.PermanentStatus).
	// Sending the same request again is pointless. It is
	// httpx.ErrPermanent, the one permanent marker of every injectkit
	// client.
	ErrPermanent = httpx.ErrPermanent
	// ErrRetriesExhausted matches every other failed request: its attempts
	// failed with a status or a network error worth retrying later, or it
	// failed at once for what a later try may not meet (a certificate
	// refused: a CA file can be fixed, a certificate rotated; a 3xx; a
	// 409). The platform did not refuse it. It is
	// httpx.ErrRetriesExhausted.
	ErrRetriesExhausted = httpx.ErrRetriesExhausted
	// ErrDryRun is returned by the calls a dry-run client cannot answer
	// (registration, asset-group paging) since nothing is sent.
	ErrDryRun = errors.New("dry run: no platform to ask")
)

// APIError reports a platform request that failed. Status is the last HTTP
// status received (0 when the last attempt got no response; Err then holds
// the network error, its text redacted). Body is the start of the response
// body with the token redacted. The *httpx.HTTPError the request failed
// with is in the error's chain (errors.As).
type APIError struct {
	Op       string // registration, reception, trace, complete, endpoint targets
	Path     string
	Status   int
	Body     string
	Attempts int
	Err      error

	permanent bool
	cause     *httpx.HTTPError
	// late says the wait a 429's or 503's Retry-After asked that the
	// deadline left no room for (httpx.LateReason), "" otherwise.
	late string
}

func (e *APIError) Error() string {
	var b strings.Builder
	b.WriteString(e.Op)
	switch {
	case e.permanent:
		b.WriteString(" rejected")
	case e.cause != nil && !e.cause.Exhausted:
		b.WriteString(" failed") // at once: a certificate refused, a 3xx
	default:
		b.WriteString(" failed " + httpx.AfterAttempts(e.Attempts))
	}
	b.WriteString(httpx.Detail(e.Status, httpx.Location(e.cause), e.Body, e.Err))
	if e.late != "" {
		b.WriteString("; " + e.late)
	}
	return b.String()
}

// Unwrap returns the *httpx.HTTPError the request failed with, whose own
// Unwrap gives the network error, or, without one, Err.
func (e *APIError) Unwrap() error { return httpx.Cause(e.cause, e.Err) }

// Is matches ErrPermanent or ErrRetriesExhausted.
func (e *APIError) Is(target error) bool { return httpx.Matches(target, e.permanent, !e.permanent) }

// Permanent reports whether sending the same request again is pointless.
func (e *APIError) Permanent() bool { return e.permanent }

// HealthReason says in a few words what failed, for serve's /healthz (see
// serve.HealthReasoner): the status, and for a 401 or 403 that the
// platform refuses the token; the innermost cause when no response came
// back ("no response: connection refused"), which names no URL, or, for
// a certificate the client refused, the setting to check.
func (e *APIError) HealthReason() string {
	switch e.Status {
	case 0:
		if ce := (*httpx.CertificateError)(nil); errors.As(e, &ce) {
			return "no response: certificate refused (" + ce.Hint + ")"
		}
		cause := error(e)
		for next := errors.Unwrap(cause); next != nil; next = errors.Unwrap(cause) {
			cause = next
		}
		if cause == error(e) {
			return "no response"
		}
		return "no response: " + cause.Error()
	case http.StatusUnauthorized:
		return "status 401 (token refused)"
	case http.StatusForbidden:
		if tenantDenied(e.Body) {
			return "status 403 (tenant refused: TENANT_ACCESS_DENIED)"
		}
		return "status 403 (token refused: check its rights)"
	}
	return "status " + strconv.Itoa(e.Status)
}

// shownID is an id a platform message gave (an inject's, a contract's) as
// a log field or an error shows it: as given when it is a valid inject id
// (checkInjectID: at most signatures.MaxIDLength bytes of printable
// ASCII), else Go-quoted and cut to its first signatures.MaxIDLength
// bytes ("…" marks the cut): an id of megabytes, or holding a line break
// or a terminal escape sequence, never reaches a log or a terminal whole.
func shownID(id string) string {
	if id == "" || checkInjectID(id) == nil {
		return id
	}
	return strconv.Quote(signatures.Shorten(id, signatures.MaxIDLength))
}

// MessageError reports a platform message that cannot be processed and must
// be rejected without requeueing. InjectID is empty when the message did not
// name one (nothing was sent to the platform); otherwise a terminal
// INVALID_USAGE (or ERROR) callback was delivered before the error was
// returned, unless the platform refused the reception.
type MessageError struct {
	InjectID string
	// Reason says what is wrong, naming the field and the value.
	Reason string
	// Offset is the byte of the message Reason is about, when Placed:
	// where a message that is not JSON breaks, where a key is repeated,
	// where an inject id that cannot be used is written. Error and the
	// INVALID_USAGE message name it ("(at byte 34)"); run names a message
	// file's line and column instead.
	Offset int64
	Placed bool
	// Err is the underlying error, when there is one (for errors.As).
	Err error
	// Reception is set when the platform refused the inject's reception
	// for good: the inject is the platform's to refuse, the message may be
	// well formed.
	Reception bool
	// Statusless is set when that refusal was a 404 for an inject the
	// platform holds without a status (InjectState.Statusless): not
	// dispatched, or its simulation reset since; not an unknown inject.
	Statusless bool
}

func (e *MessageError) Error() string {
	if e.Reception {
		return "inject " + shownID(e.InjectID) + ": " + e.Reason
	}
	s := "invalid message"
	if e.InjectID != "" {
		s += " for inject " + shownID(e.InjectID)
	}
	return s + ": " + e.Reason + e.at()
}

// at is where Reason is about, as the error's text names it: " (at byte
// N)", "" when it is not Placed.
func (e *MessageError) at() string {
	if !e.Placed {
		return ""
	}
	return fmt.Sprintf(" (at byte %d)", e.Offset)
}

// Unwrap returns the underlying error, if any.
func (e *MessageError) Unwrap() error { return e.Err }

// NotReceivedError is a reception the platform did not acknowledge after
// every attempt (it could not be reached, or kept failing): the inject did
// not run and nothing of it was sent or stored. Sending the same inject
// again once the platform answers is the remedy; serve handles its
// message again.
type NotReceivedError struct {
	InjectID string
	Err      error
}

func (e *NotReceivedError) Error() string {
	return fmt.Sprintf("inject %s not run: %v", shownID(e.InjectID), e.Err)
}

// Unwrap returns the reception's error.
func (e *NotReceivedError) Unwrap() error { return e.Err }

// TargetsUnavailableError is an inject whose targets the platform failed
// to give: the members of one of its asset groups could not be listed
// after every attempt (a 5xx, a 429, the platform unreachable). The
// message is valid and the inject did not run; nothing of it was sent to
// the platform (no reception, no terminal callback: a failure the next
// try may not meet is not the inject's ERROR) or stored. Handling the
// message again once the platform answers is the remedy; serve does. A
// listing the platform refuses for good (403, 404) is a *MessageError
// instead, after a terminal ERROR.
type TargetsUnavailableError struct {
	InjectID string
	Err      error
}

func (e *TargetsUnavailableError) Error() string {
	return fmt.Sprintf("inject %s not run: the platform failed to list its targets: %v", shownID(e.InjectID), e.Err)
}

// Unwrap returns the listing's error (an *APIError in its chain).
func (e *TargetsUnavailableError) Unwrap() error { return e.Err }

// errVersionUnknown postpones a registration while the platform's version
// cannot be read (the platform unreachable or failing): the contracts
// would be a guessed line's, which the platform takes and then drops every
// result of. It is not ErrPermanent: serve registers again, reading the
// version first.
var errVersionUnknown = errors.New("registration postponed until the platform's version is read (the next try reads it again)")

// PartialError is a terminal callback whose send stopped at body
// Delivered: bodies 0 to Delivered-1 were accepted, the others of Total
// not delivered (body Delivered tried and refused or failed, Err, the
// rest not sent). Unsent are the signature targets the platform did not get
// (those the others carry, and those too large for any body), each as the
// platform would have got it: its asset, agent or asset group, and the
// platform's signature names (never nil). A terminal callback of one body
// reads as its failure alone.
type PartialError struct {
	Delivered, Total int
	Unsent           []json.RawMessage
	Err              error
	// plan is the terminal callback's, as Profile.Deliver planned it: a
	// held result's retries send it again as it is (see Handler.unstored).
	plan *plan
}

func (e *PartialError) Error() string {
	if e.Total <= 1 {
		return e.Err.Error()
	}
	msg := fmt.Sprintf("%v (terminal callback bodies %d-%d of %d not delivered", e.Err, e.Delivered, e.Total-1, e.Total)
	switch e.Delivered {
	case 0:
	case 1:
		msg += "; body 0, the complete, delivered"
	default:
		msg += fmt.Sprintf("; bodies 0-%d delivered, 0 the complete", e.Delivered-1)
	}
	return msg + ")"
}

// Unwrap returns the failure of body Delivered.
func (e *PartialError) Unwrap() error { return e.Err }
