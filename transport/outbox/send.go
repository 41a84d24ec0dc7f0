package outbox

import (
	"context"
	"errors"
	"fmt"
	"math"
	"net/http"
	"time"

	"github.com/injectkit/injectkit/internal/httpx"
	"github.com/injectkit/injectkit/transport"
)

// Poster posts one callback body; *transport.Client is one.
type Poster interface {
	PostBody(ctx context.Context, injectID string, chunkIndex int, body []byte) error
}

// KeyedPoster is a Poster that can post a body under a given
// Idempotency-Key. Send posts a record through it with the key recorded
// when the body was put, never one computed again.
type KeyedPoster interface {
	Poster
	PostKeyed(ctx context.Context, injectID, key string, chunkIndex int, body []byte) error
}

// Redactor removes the secrets a poster sends (its bearer token) from a
// message. Send redacts with it what it keeps, logs and returns of that
// poster's failures, on top of Options.Secrets.
type Redactor interface {
	Redact(s string) string
}

var (
	_ KeyedPoster = (*transport.Client)(nil)
	_ Redactor    = (*transport.Client)(nil)
)

// Backoff bounds.
const (
	MinBackoff = 5 * time.Second
	MaxBackoff = 5 * time.Minute
)

// Backoff returns the wait before the next attempt of a body after attempts
// failed requests: MinBackoff doubled per request, capped at limit (or
// MaxBackoff when limit is 0), at most about 63 doublings whatever attempts
// and limit are.
func Backoff(attempts int, limit time.Duration) time.Duration {
	if limit <= 0 {
		limit = MaxBackoff
	}
	d := MinBackoff
	for i := 1; i < attempts && d < limit; i++ {
		if d > limit/2 { // doubled, it would pass the limit (or overflow)
			return limit
		}
		d *= 2
	}
	return min(d, limit)
}

// Outcome is what became of a body Send posted.
type Outcome int

// Outcomes of Send.
const (
	Delivered      Outcome = iota // accepted; the record is deleted
	Failed                        // not accepted; the record stays pending for a later attempt
	Rejected                      // rejected for good, or not sent (corrupt, unsendable); the record is in the dead list
	Superseded                    // not sent: the poster found it no longer needed (ErrSuperseded); the record is deleted
	SupersededSent                // superseded, what it carried sent in another form instead (ErrSupersededSent); the record is deleted
)

// ErrSuperseded is what a Poster returns, in an error's chain, for a body
// it did not send because the backend no longer needs it (a later run
// already completed its inject): the record is deleted, as a delivered
// one, and counted apart.
var ErrSuperseded = errors.New("superseded: no longer needed by the backend")

// ErrSupersededSent is what a Poster returns, in an error's chain, for a
// body the backend no longer needs as it is, whose content it still needs
// and the poster delivered in another form instead (an openaev "complete"
// of an inject already finished, its signatures sent as a "data"
// callback): the record is deleted, and counted superseded and apart. It
// wraps ErrSuperseded.
var ErrSupersededSent = fmt.Errorf("%w; its content sent in another form", ErrSuperseded)

func (o Outcome) String() string {
	switch o {
	case Delivered:
		return "delivered"
	case Failed:
		return "failed"
	case Superseded:
		return "superseded"
	case SupersededSent:
		return "superseded, its content sent in another form"
	}
	return "rejected"
}

// Send posts the body of r, a record this process owns (returned by Put or
// Claim), and settles it with Settle. The body goes under the record's
// Idempotency-Key when p is a KeyedPoster. A body whose SHA-256 is not the
// one recorded, or for which no request can be built, is not sent: the
// record moves to the dead list at once (Rejected) and the error is a
// *RecordError. The error is the delivery's (nil when delivered), joined
// with a store error if settling failed, with the secrets redacted (see
// Redactor).
func (s *Store) Send(ctx context.Context, p Poster, r Record, maxBackoff time.Duration) (Outcome, error) {
	return s.send(ctx, p, r, maxBackoff, false, false)
}

// send is Send; a resend (a Resender's) keeps pending a body the backend
// refused with 401 or 403 (see settle), and, lazy, removes a body
// delivered without waiting for the commit (see deleteLater).
func (s *Store) send(ctx context.Context, p Poster, r Record, maxBackoff time.Duration, resend, lazy bool) (Outcome, error) {
	out, posted, err := s.post(ctx, p, r)
	if !posted {
		return out, err
	}
	red, _ := p.(Redactor)
	if unnoted(err) {
		return s.unposted(r, err, red) // its first request not noted: none made
	}
	if lazy && (err == nil || errors.Is(err, ErrSuperseded)) {
		s.deleteLater([]removal{{id: r.ID, size: r.Size}})
		return doneOutcome(err), nil
	}
	return s.settle(ctx, r, err, maxBackoff, red, resend)
}

// post posts r through p, unsettled, r's lease renewed while the POST
// lasts (see keepLease): err is the post's. posted is false
// when r was not sent: a record without its body (Failed), or one that
// cannot be sent (moved to the dead list: Rejected); err says why.
func (s *Store) post(ctx context.Context, p Poster, r Record) (out Outcome, posted bool, err error) {
	if r.Body == nil && r.Size > 0 {
		return Failed, false, fmt.Errorf("outbox %s: record %d given to Send without its body", s.path, r.ID)
	}
	kp, keyed := p.(KeyedPoster)
	keyed = keyed && r.IdempotencyKey != ""
	if re := checkBody(r, r.Body); re != nil {
		out, err = s.reject(r, re)
		return out, false, err
	}
	if re := unsendable(r, keyed, nil); re != nil {
		out, err = s.reject(r, re)
		return out, false, err
	}
	if err := s.startAttempt(r); err != nil {
		out, err = s.unposted(r, err, nil) // not posted: free for a later pass
		return out, false, err
	}
	defer s.keepLease(r.ID, r.LeaseUntil).stop() // held while the POST lasts
	ctx = s.postContext(ctx, r)
	if keyed {
		return Failed, true, kp.PostKeyed(ctx, r.InjectID, r.IdempotencyKey, r.ChunkIndex, r.Body)
	}
	return Failed, true, p.PostBody(ctx, r.InjectID, r.ChunkIndex, r.Body)
}

// unposted settles r, a record this process owns whose attempt was not
// made, its note not written (err, an *unnotedError: see startAttempt):
// no request was made, so none is counted; r is released, due again now,
// its last error and status the backend's last answer when it has one,
// else err. The outcome is Failed, the error err (joined with a store
// error), redacted of red's secrets.
func (s *Store) unposted(r Record, err error, red Redactor) (Outcome, error) {
	msg, status := r.LastError, r.LastStatus
	if msg == "" {
		msg = s.redact(err.Error(), red)
	}
	if serr := s.markAnswered(r.ID, failedAttempts{}, status, msg, s.opts.Now()); serr != nil {
		return Failed, s.redactErr(errors.Join(err, serr), red)
	}
	return Failed, s.redactErr(err, red)
}

// requestsMade reports whether err, the error of a post ctx ended, says
// requests were made (an *httpx.InterruptedError counting some), which
// noteInterrupted counts.
func requestsMade(err error) bool {
	var ie *httpx.InterruptedError
	return errors.As(err, &ie) && ie.Attempts > 0
}

// doneOutcome is the outcome of a post that needs no other (err nil or
// ErrSuperseded): Delivered, SupersededSent or Superseded.
func doneOutcome(err error) Outcome {
	switch {
	case errors.Is(err, ErrSupersededSent):
		return SupersededSent
	case err != nil:
		return Superseded
	}
	return Delivered
}

// permanent is an error that knows whether retrying is pointless, like
// *transport.TransmissionError (or the error of another wire profile's
// client).
type permanent interface{ Permanent() bool }

// Settle records the outcome of posting r, a record this process owns:
// deleted when err is nil; moved to the dead list after a permanent
// rejection (an error in err's chain whose Permanent method reports true,
// as a *transport.TransmissionError of ErrPermanent does; its status and
// body are kept when it is one), or as ReasonUnsendable when the request
// could not be built for the record itself (its Idempotency-Key refused, a
// *transport.ValidationError); marked failed otherwise, its next attempt
// Backoff(attempts, maxBackoff) from now (now when ctx ended: an
// interruption is not the backend's failure, and the record keeps its
// attempts and last error; the requests it made, which NoteInterrupted
// counts, keep the note of their attempt until then, so that a process
// killed first has them counted by the next opener), or the longest backoff from now after a 301 or
// 308 (the backend moved for good: the URL is at fault, and the record,
// kept, is not tried again at the pace of a backend that is down); a
// record another live process took over meanwhile is left to it, as it
// is, and the outcome is Failed (see MarkFailed, MoveToDead). A send
// held back before its first request (an *httpx.NotYetError, no request
// made: the backend may not show an earlier attempt yet) counts no
// attempt and keeps the record's last error and status: the backend's
// last answer still stands; its next attempt is due when the NotYetError
// says it may be made (Until), when it says. Options.Secrets are redacted
// from what is kept and from the error returned. A store error is joined
// to err, and the record may then stay pending and owned until its lease
// ends.
func (s *Store) Settle(ctx context.Context, r Record, err error, maxBackoff time.Duration) (Outcome, error) {
	return s.settle(ctx, r, err, maxBackoff, nil, false)
}

// settle is Settle, redacting red's secrets too. With keepRefused (a
// resend, or a Deliverer's first send) a body the backend refused with 401
// or 403 (TokenRefused) stays pending (Failed): the body is fine, the
// token given to send it is not.
func (s *Store) settle(ctx context.Context, r Record, err error, maxBackoff time.Duration, red Redactor, keepRefused bool) (Outcome, error) {
	if err == nil || errors.Is(err, ErrSuperseded) {
		out := doneOutcome(err)
		if _, serr := s.remove([]removal{{id: r.ID, size: -1}}, true); serr != nil {
			// Settled, but the record could not be removed: it would be
			// sent again, under its idempotency key.
			return out, serr
		}
		return out, nil
	}
	if ctx.Err() == nil {
		if re := unsendable(r, false, err); re != nil {
			return s.reject(r, re)
		}
	}
	// Either profile's error holds the *httpx.HTTPError of the request
	// that failed: its attempts, last status and body.
	attempts := failedAttempts{n: 1}
	var he *httpx.HTTPError
	if errors.As(err, &he) {
		attempts = failedAttempts{n: max(he.Attempts, 1), unanswered: he.Unanswered, other: inOtherForm(err)}
	}
	if ctx.Err() != nil {
		// noteInterrupted counts them, and ends the note of the attempt:
		// until then, a kill leaves it to be counted by the next opener.
		attempts = failedAttempts{keepNote: requestsMade(err)}
	}
	msg := s.redact(err.Error(), red)
	var later *httpx.NotYetError
	if !errors.As(err, &later) {
		later = nil
	}
	heldBack := he == nil && later != nil && r.LastError != ""
	if heldBack {
		// Held back before its first request (the platform may not show
		// an earlier attempt yet): no request made, the body's last
		// answer still stands.
		attempts, msg = failedAttempts{}, r.LastError
	}
	var pe permanent
	if errors.As(err, &pe) && pe.Permanent() && !(keepRefused && TokenRefused(err)) {
		status, body := 0, ""
		if he != nil {
			status, body = he.Status, s.redact(he.Body, red)
		}
		switch serr := s.moveToDead(r.ID, attempts.n, status, body, msg, ReasonRejected); {
		case errors.Is(serr, errOwned):
			return Failed, s.redactErr(err, red) // another process's to settle: still pending
		case serr != nil:
			return Rejected, s.redactErr(errors.Join(err, serr), red)
		}
		return Rejected, s.redactErr(err, red)
	}
	next := s.opts.Now().Add(Backoff(r.Attempts+attempts.n, maxBackoff))
	if he != nil && he.RetryAfter > 0 {
		// The last answer asked for a wait (a 429 or a 503): not due
		// before it ends, capped as the longest backoff is.
		limit := maxBackoff
		if limit <= 0 {
			limit = MaxBackoff
		}
		if asked := s.opts.Now().Add(min(he.RetryAfter, limit)); asked.After(next) {
			next = asked
		}
	}
	if later != nil && !later.Until.IsZero() {
		// Held back until a known time (the platform's ingestion
		// window): due then, not at the backoff of a backend down.
		next = later.Until
		if now := s.opts.Now(); next.Before(now) {
			next = now
		}
	}
	if he != nil && httpx.PermanentRedirect(he.Status) {
		// The backend moved for good: the same URL meets the same
		// redirect until the URL is fixed, so the body waits the
		// longest backoff, kept pending (nothing lost).
		next = s.opts.Now().Add(Backoff(math.MaxInt, maxBackoff))
	}
	status := 0
	switch {
	case he != nil:
		status = he.Status
	case heldBack:
		status = r.LastStatus
	}
	if ctx.Err() != nil {
		// Interrupted: the record is due again now, with the last error
		// of its last real attempt, not "context canceled".
		next, msg, status = s.opts.Now(), r.LastError, r.LastStatus
	}
	if serr := s.markAnswered(r.ID, attempts, status, msg, next); serr != nil {
		return Failed, s.redactErr(errors.Join(err, serr), red)
	}
	return Failed, s.redactErr(err, red)
}

// TokenRefused reports whether err is the backend refusing the request's
// credentials: an HTTP status 401 or 403.
func TokenRefused(err error) bool {
	var he *httpx.HTTPError
	return errors.As(err, &he) && (he.Status == http.StatusUnauthorized || he.Status == http.StatusForbidden)
}

// reject moves r to the dead list, unsent, for a fault of its own; one
// another live process took over meanwhile is left to it (Failed).
func (s *Store) reject(r Record, re *RecordError) (Outcome, error) {
	switch serr := s.moveToDead(r.ID, 0, 0, "", re.Error(), re.Reason); {
	case errors.Is(serr, errOwned):
		return Failed, re // another process's to settle: still pending
	case serr != nil:
		return Rejected, errors.Join(re, serr)
	}
	return Rejected, re
}

// redact removes from msg the secrets of red, if any, and Options.Secrets.
func (s *Store) redact(msg string, red Redactor) string {
	if red != nil {
		msg = red.Redact(msg)
	}
	return httpx.Redact(msg, s.opts.Secrets...)
}

// redactErr returns err, its message redacted (see redact); errors.Is and
// errors.As still see the original.
func (s *Store) redactErr(err error, red Redactor) error {
	return httpx.RedactErrorWith(err, func(msg string) string { return s.redact(msg, red) })
}
