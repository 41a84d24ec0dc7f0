package outbox

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"

	"github.com/injectkit/injectkit/transport"
)

// Reasons a record is in the dead list (Record.DeadReason).
const (
	// ReasonRejected: the backend rejected the body for good (a 4xx other
	// than 408, 409 and 429, or another profile's permanent error).
	ReasonRejected = "rejected"
	// ReasonCorrupt: the stored body could not be read back, or its
	// SHA-256 is not the one recorded; it was never sent.
	ReasonCorrupt = "corrupt"
	// ReasonUnsendable: no request can be built for the record (an
	// Idempotency-Key the HTTP client refuses, an inject id the client
	// rejects); it was never sent.
	ReasonUnsendable = "unsendable"
)

// Sentinels matched with errors.Is on a *RecordError.
var (
	ErrBodyCorrupt = errors.New("stored body corrupt")
	ErrUnsendable  = errors.New("request cannot be built")
)

// RecordError reports a record moved to the dead list without being sent,
// for a fault of its own: Reason is ReasonCorrupt or ReasonUnsendable.
type RecordError struct {
	ID     uint64
	Reason string
	Err    error
}

func (e *RecordError) Error() string {
	what := "stored body corrupt"
	if e.Reason == ReasonUnsendable {
		what = "request cannot be built"
	}
	return fmt.Sprintf("outbox record %d: %s: %v; moved to the dead list unsent", e.ID, what, e.Err)
}

// Unwrap returns the cause.
func (e *RecordError) Unwrap() error { return e.Err }

// Is reports whether target is the sentinel of e's reason.
func (e *RecordError) Is(target error) bool {
	return target == ErrBodyCorrupt && e.Reason == ReasonCorrupt ||
		target == ErrUnsendable && e.Reason == ReasonUnsendable
}

// Permanent reports true: sending the record again cannot succeed.
func (e *RecordError) Permanent() bool { return true }

// bodySum returns the hex SHA-256 of a body.
func bodySum(body []byte) string {
	sum := sha256.Sum256(body)
	return hex.EncodeToString(sum[:])
}

// checkBody checks a body read back against its record: its SHA-256, or,
// in a record stored without one, its size.
func checkBody(r Record, body []byte) *RecordError {
	switch {
	case r.SHA256 != "":
		if got := bodySum(body); got != r.SHA256 {
			return &RecordError{ID: r.ID, Reason: ReasonCorrupt,
				Err: fmt.Errorf("SHA-256 %s, recorded %s", got, r.SHA256)}
		}
	case len(body) != r.Size:
		return &RecordError{ID: r.ID, Reason: ReasonCorrupt,
			Err: fmt.Errorf("%d bytes, recorded %d", len(body), r.Size)}
	}
	return nil
}

// unsendable returns why no request can be built for r, or nil. keyed
// tells whether the request carries the recorded Idempotency-Key, as every
// request of the callback profile does. err, when not nil, is the failure
// of a request made for r: a *transport.ValidationError is the client
// refusing the record's own fields.
func unsendable(r Record, keyed bool, err error) *RecordError {
	if (keyed || r.Profile == "") && !validHeaderValue(r.IdempotencyKey) {
		return &RecordError{ID: r.ID, Reason: ReasonUnsendable,
			Err: fmt.Errorf("the HTTP client refuses its %s header %q", transport.IdempotencyHeader, r.IdempotencyKey)}
	}
	if r.Profile == "" && strings.TrimSpace(r.InjectID) == "" {
		return &RecordError{ID: r.ID, Reason: ReasonUnsendable, Err: errors.New("empty inject id")}
	}
	var ve *transport.ValidationError
	if errors.As(err, &ve) {
		return &RecordError{ID: r.ID, Reason: ReasonUnsendable, Err: err}
	}
	return nil
}

// validHeaderValue reports whether net/http sends v as a header value: no
// control character other than a horizontal tab (the rule of
// golang.org/x/net/http/httpguts.ValidHeaderFieldValue).
func validHeaderValue(v string) bool {
	for i := range len(v) {
		if b := v[i]; (b < ' ' && b != '\t') || b == 0x7f {
			return false
		}
	}
	return true
}
