package outbox

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"

	bolt "go.etcd.io/bbolt"

	"github.com/injectkit/injectkit/transport"
)

// Reasons a record is in the dead list (Record.DeadReason).
const (
	// ReasonRejected: the backend rejected the body for good (a 4xx other
	// than 407, 408, 409 and 429, or another profile's permanent error).
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
	if errors.Is(e.Err, errUnreadable) || errors.Is(e.Err, errRoute) {
		what = "corrupt record"
	}
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

// readRecord decodes the record stored under k in the bucket of st. One
// whose metadata cannot be decoded (damaged on disk: bbolt keeps no page
// checksum) is returned all the same, Unreadable: its id, its state, the
// size of its body, the decoding error as LastError and, in the dead list,
// ReasonCorrupt (a pending one is not dead: Corrupt says what it is). It
// is listed, never sent (the next Claim moves it to the dead list, its
// stored metadata kept as DeadBody) and can be dropped: it never blocks
// the other records.
func readRecord(tx *bolt.Tx, k, v []byte, st State) Record {
	r, err := decode(v)
	if err == nil {
		r.State = st
		return r
	}
	u := &unreadable{stored: bytes.Clone(v), err: fmt.Errorf("%w: %w", errUnreadable, err)}
	r = Record{State: st, unreadable: u, LastError: "corrupt record: " + u.err.Error()}
	if st == Dead {
		r.DeadReason = ReasonCorrupt
	}
	if len(k) == 8 {
		r.ID = binary.BigEndian.Uint64(k)
	}
	r.Size = storedSize(tx.Bucket(bucketBodies).Get(k))
	return r
}

// Unreadable reports whether the record's stored metadata cannot be
// decoded: only its ID, State, Size, LastError and, dead, DeadReason are
// known.
func (r Record) Unreadable() bool { return r.unreadable != nil }

// Corrupt reports whether nothing in r can be sent: its stored metadata
// cannot be read (Unreadable; pending, the next Claim moves it to the dead
// list), or it is in the dead list as ReasonCorrupt, its body or its
// metadata found damaged (List leaves out the reason of one an earlier
// version misjudged: see misjudged). Every command names such a record
// one way; drop removes it.
//
// A record whose fields disagree on where its body goes (RouteDamaged) is
// corrupt too, as it is read: the claim of the next flush moves it to the
// dead list unsent (checkBody), and until then it is no pending body.
func (r Record) Corrupt() bool {
	return r.Unreadable() || r.State == Dead && r.DeadReason == ReasonCorrupt || r.RouteDamaged() != nil
}

// RouteDamaged returns why r's stored fields disagree on where its body
// goes, nil when they agree (or are unknown: Unreadable): its URL not
// under its base URL, or its Idempotency-Key not the one its inject,
// phase, chunk and SHA-256 give (see checkFields). Only its fields are
// read, never its body: a byte flipped on disk in them is seen by every
// command that reads the record (outbox list), not only by the claim
// that would send it.
func (r Record) RouteDamaged() error {
	if r.Unreadable() {
		return nil
	}
	return checkFields(r)
}

// MetadataLost reports whether what r records of its body is unknown (its
// inject, phase, chunk, backend, profile, injector and creation): its
// stored metadata cannot be read (Unreadable), or could not be when Claim
// moved it to the dead list, keeping those bytes as DeadBody and none of
// those fields (every record Put stores has its creation time).
func (r Record) MetadataLost() bool {
	return r.Unreadable() || r.Corrupt() && r.Created.IsZero()
}

// unreadable is what is known of a record whose metadata cannot be
// decoded: the bytes stored, and why.
type unreadable struct {
	stored []byte
	err    error // wraps errUnreadable
}

// errUnreadable is the cause of the *RecordError of an unreadable record.
var errUnreadable = errors.New("its stored metadata cannot be read")

// bodySum returns the hex SHA-256 of a body.
func bodySum(body []byte) string {
	sum := sha256.Sum256(body)
	return hex.EncodeToString(sum[:])
}

// checkBody checks a body read back against its record: its SHA-256, or,
// in a record stored without one, its size. A record with both a SHA-256
// and an Idempotency-Key is checked against that key too: Put builds it
// from the inject, phase and chunk the record routes the body by, and the
// body's SHA-256 (idempotencyKey), so a byte flipped in one of them on
// disk never sends the body to another inject's callback, or as another
// phase or chunk, with its checksum intact. Nor is a record sent whose
// URL, stored beside its base URL, is not under it (see routeCheck).
func checkBody(r Record, body []byte) *RecordError {
	if err := checkFields(r); err != nil {
		return &RecordError{ID: r.ID, Reason: ReasonCorrupt, Err: err}
	}
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

// checkFields returns an error, wrapping errRoute, if r's fields disagree
// on where its body goes: its URL not under its base URL (routeCheck), or,
// in a record with a SHA-256 and an Idempotency-Key, that key not the one
// Put builds from its inject, phase, chunk and the body's SHA-256
// (idempotencyKey). Its fields alone are read: the recorded SHA-256 is
// checked against the body by checkBody.
func checkFields(r Record) error {
	if err := routeCheck(r); err != nil {
		return err
	}
	if r.SHA256 != "" && r.IdempotencyKey != "" && len(r.SHA256) >= 16 {
		if want := r.InjectID + ":" + r.Phase + ":" + strconv.Itoa(r.ChunkIndex) + ":" + r.SHA256[:16]; r.IdempotencyKey != want {
			return fmt.Errorf("%w: Idempotency-Key %q, its inject, phase and chunk give %q", errRoute, r.IdempotencyKey, want)
		}
	}
	return nil
}

// routeCheck returns an error if r's URL, when recorded, is not under its
// base URL, as Put and Move always store them: a byte flipped in the base
// URL on disk would make the record another backend's, and a flush of
// that backend would send it there, with that backend's token.
func routeCheck(r Record) error {
	if r.URL != "" && !strings.HasPrefix(r.URL, r.BaseURL) {
		return fmt.Errorf("%w: its URL %s is not under its base URL %s", errRoute, r.URL, r.BaseURL)
	}
	return nil
}

// errRoute is the cause of the *RecordError of a record whose fields do
// not agree on where its body goes: its metadata, not its body, damaged.
var errRoute = errors.New("its fields disagree on where its body goes")

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
