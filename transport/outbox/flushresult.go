package outbox

import (
	"errors"
	"time"

	"github.com/injectkit/injectkit/internal/httpx"
)

// FlushResult counts what a Flush did.
type FlushResult struct {
	Delivered  int
	Superseded int // not sent, no longer needed (ErrSuperseded); deleted
	// SupersededSent counts, of Superseded, the bodies whose content the
	// poster sent in another form instead (ErrSupersededSent).
	SupersededSent int
	Failed         int // still pending
	Rejected       int // moved to the dead list (by the backend, or unsent: corrupt or unsendable)
	// Corrupt counts, of Rejected, the bodies moved there unsent because
	// their record or their body is corrupt (ReasonCorrupt).
	Corrupt int
	Busy    int // being delivered by another process or goroutine; not sent
	// Refused counts the bodies kept pending because their backend refused
	// the token (401, 403): the one refused, and the others of that backend,
	// not tried after it. They are counted in Failed too.
	Refused int
	// Untried counts, of Failed, the bodies not tried because an earlier
	// body of this pass found their backend down (see Flush), asking to
	// wait (429, 503) or moved for good (301, 308).
	Untried int
	// Cut counts, of Failed, the bodies whose post an interrupt (ctx
	// ended) cut short in flight: recorded with that attempt and a last
	// error saying so, as the backend may have received them.
	Cut int
	// Waited counts, of Failed, the bodies an interrupt stopped while
	// they waited to be tried again (a backoff, a Retry-After): no
	// request in flight, they keep the attempts made, the last error and
	// their schedule.
	Waited int
	// Moved counts, of Failed, the bodies the backend answered 301 or 308:
	// moved for good, its base URL is to be fixed and the bodies stored
	// for it given the new one (Move). MovedTo is where the first was
	// redirected (its Location; "" when it named none), from a callback
	// of inject MovedInject.
	Moved       int
	MovedTo     string
	MovedInject string
	// Unnoted counts, of Failed, the bodies not sent because an attempt
	// could not be noted beside the outbox (a full disk, a directory not
	// writable): nothing was posted for them. NoteErr is the first such
	// error.
	Unnoted int
	NoteErr error
	// AskedWait is the longest wait a Retry-After of a 429 or 503 that
	// held a body (and its backend's other bodies) asked for in full,
	// past any cap: when a flush is worth running again. 0: none asked.
	AskedWait time.Duration
	// Rejection is the error the backend rejected the first body of
	// Rejected with (nil: none was), as the poster returned it: a 404 of
	// a base URL that is not the platform's root, say.
	Rejection error
}

// Add adds the counts of r, what another Flush did, to res; MovedTo stays
// the first redirect known, Rejection the first rejection.
func (res *FlushResult) Add(r FlushResult) {
	res.Delivered += r.Delivered
	res.Superseded += r.Superseded
	res.SupersededSent += r.SupersededSent
	res.Failed += r.Failed
	res.Rejected += r.Rejected
	res.Corrupt += r.Corrupt
	res.Busy += r.Busy
	res.Refused += r.Refused
	res.Untried += r.Untried
	res.Cut += r.Cut
	res.Waited += r.Waited
	res.Moved += r.Moved
	res.Unnoted += r.Unnoted
	res.AskedWait = max(res.AskedWait, r.AskedWait)
	if res.NoteErr == nil {
		res.NoteErr = r.NoteErr
	}
	if res.MovedTo == "" {
		res.MovedTo, res.MovedInject = r.MovedTo, r.MovedInject
	}
	if res.Rejection == nil {
		res.Rejection = r.Rejection
	}
}

// rejectedBy counts a body the backend rejected with err, keeping the
// first such error.
func (res *FlushResult) rejectedBy(err error) {
	res.Rejected++
	if res.Rejection == nil {
		res.Rejection = err
	}
}

// movedBy counts a body whose post err says the backend moved for good
// (a 301 or 308), keeping where the first was redirected and its inject.
func (res *FlushResult) movedBy(err error, injectID string) {
	var he *httpx.HTTPError
	if !errors.As(err, &he) || !httpx.PermanentRedirect(he.Status) {
		return
	}
	res.Moved++
	if res.Moved == 1 {
		res.MovedTo, res.MovedInject = he.Location, injectID
	}
}

// askedBy keeps the wait err's Retry-After asked for, the longest.
func (res *FlushResult) askedBy(err error) {
	var he *httpx.HTTPError
	if errors.As(err, &he) && askedToWait(he.Status) {
		res.AskedWait = max(res.AskedWait, he.RetryAfter)
	}
}

// unsent counts a body moved to the dead list unsent, for re.
func (res *FlushResult) unsent(re *RecordError) {
	res.Rejected++
	if re.Reason == ReasonCorrupt {
		res.Corrupt++
	}
}

// interrupted counts a body whose send an interrupt stopped once an
// attempt was made (err is its send's error): cut short in flight, or
// while it waited to be tried again.
func (res *FlushResult) interrupted(err error) {
	var ie *httpx.InterruptedError
	if errors.As(err, &ie) && ie.Waiting {
		res.Waited++
		return
	}
	res.Cut++
}
