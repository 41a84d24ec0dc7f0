package outbox

import (
	"context"
	"errors"
	"time"

	"go.uber.org/zap"

	"github.com/injectkit/injectkit/transport"
)

// Poster posts one callback body; *transport.Client is one.
type Poster interface {
	PostBody(ctx context.Context, injectID string, chunkIndex int, body []byte) error
}

var _ Poster = (*transport.Client)(nil)

// Backoff bounds.
const (
	MinBackoff = 5 * time.Second
	MaxBackoff = 5 * time.Minute
)

// Backoff returns the wait before the next attempt of a body after attempts
// failed requests: MinBackoff doubled per request, capped at limit (or
// MaxBackoff when limit is 0).
func Backoff(attempts int, limit time.Duration) time.Duration {
	if limit <= 0 {
		limit = MaxBackoff
	}
	d := MinBackoff
	for i := 1; i < attempts && d < limit; i++ {
		d *= 2
	}
	return min(d, limit)
}

// Outcome is what became of a body Send posted.
type Outcome int

// Outcomes of Send.
const (
	Delivered Outcome = iota // accepted; the record is deleted
	Failed                   // not accepted; the record stays pending for a later attempt
	Rejected                 // rejected for good; the record is in the dead list
)

func (o Outcome) String() string {
	switch o {
	case Delivered:
		return "delivered"
	case Failed:
		return "failed"
	}
	return "rejected"
}

// Send posts the body of r, a record this process owns (returned by Put or
// Claim), and settles it with Settle. The error is the delivery's (nil when
// delivered), joined with a store error if settling failed.
func (s *Store) Send(ctx context.Context, p Poster, r Record, maxBackoff time.Duration) (Outcome, error) {
	err := p.PostBody(ctx, r.InjectID, r.ChunkIndex, r.Body)
	return s.Settle(ctx, r, err, maxBackoff)
}

// permanent is an error that knows whether retrying is pointless, like
// *transport.TransmissionError (or the error of another wire profile's
// client).
type permanent interface{ Permanent() bool }

// Settle records the outcome of posting r, a record this process owns:
// deleted when err is nil; moved to the dead list after a permanent
// rejection (an error in err's chain whose Permanent method reports true,
// as a *transport.TransmissionError of ErrPermanent does; its status and
// body are kept when it is one); marked failed otherwise, its next
// attempt Backoff(attempts, maxBackoff) from now (now when ctx ended: an
// interruption is not the backend's failure). A store error is joined to
// err, and the record may then stay pending and owned until its lease
// ends.
func (s *Store) Settle(ctx context.Context, r Record, err error, maxBackoff time.Duration) (Outcome, error) {
	if err == nil {
		if serr := s.Delete(r.ID); serr != nil && !errors.Is(serr, ErrNotFound) {
			// Delivered, but the record could not be removed: it would be
			// sent again, which its idempotency key makes harmless.
			return Delivered, serr
		}
		return Delivered, nil
	}
	attempts := 1
	var te *transport.TransmissionError
	if errors.As(err, &te) {
		attempts = max(te.Attempts, 1)
	}
	if ctx.Err() != nil {
		attempts = 0
	}
	var pe permanent
	if errors.As(err, &pe) && pe.Permanent() {
		status, body := 0, ""
		if te != nil {
			status, body = te.Status, te.Body
		}
		if serr := s.MoveToDead(r.ID, attempts, status, body, err.Error()); serr != nil {
			return Rejected, errors.Join(err, serr)
		}
		return Rejected, err
	}
	next := s.opts.Now().Add(Backoff(r.Attempts+attempts, maxBackoff))
	if ctx.Err() != nil {
		next = s.opts.Now()
	}
	if serr := s.MarkFailed(r.ID, attempts, err.Error(), next); serr != nil {
		return Failed, errors.Join(err, serr)
	}
	return Failed, err
}

// Resender resends the pending bodies of a Store. Run and Flush must not be
// called concurrently on one Resender.
type Resender struct {
	Store *Store
	// Client returns the poster for a body's base URL; it is called once
	// per base URL and its result kept.
	Client func(baseURL string) (Poster, error)
	Log    *zap.Logger
	// MaxBackoff caps the wait between two attempts of a body (default
	// MaxBackoff).
	MaxBackoff time.Duration
	// Wake, when not nil, makes Run look for due bodies at once when it
	// receives (for example after a delivery failed).
	Wake <-chan struct{}
	// Select, when not nil, picks the records this Resender sends (for
	// example those of one wire profile); the others are left alone.
	Select func(Record) bool

	clients map[string]Poster
	// downUntil holds, per base URL found down by Run, when to try it
	// again.
	downUntil map[string]time.Time
}

// FlushResult counts what a Flush did.
type FlushResult struct {
	Delivered int
	Failed    int // still pending
	Rejected  int // moved to the dead list
	Busy      int // being delivered by another process or goroutine; not sent
}

// Flush sends every pending body now, whatever its next-attempt time, one
// after the other. Bodies another delivery owns are counted Busy and left
// alone. Once a body's backend is found down (retries exhausted, no
// answer), the other bodies for the same base URL are counted Failed
// without being tried. The error is a store error or the context's; delivery failures
// are counted, not returned.
func (rs *Resender) Flush(ctx context.Context) (FlushResult, error) {
	return rs.pass(ctx, true)
}

// Run resends due bodies until ctx is done, sleeping until the next one is
// due (at most MaxBackoff). Failures are logged and retried with backoff;
// once a base URL is found down, its other bodies wait until the failed
// one's next attempt. Run returns ctx's error.
func (rs *Resender) Run(ctx context.Context) error {
	limit := rs.MaxBackoff
	if limit <= 0 {
		limit = MaxBackoff
	}
	for {
		if _, err := rs.pass(ctx, false); err != nil && ctx.Err() == nil {
			rs.log().Error("outbox resend pass failed", zap.String("outbox", rs.Store.Path()), zap.Error(err))
		}
		wait := limit
		if next, ok := rs.nextDue(); ok {
			wait = min(max(time.Until(next), 0), limit)
		}
		t := time.NewTimer(max(wait, 10*time.Millisecond))
		select {
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-rs.Wake:
			t.Stop()
		case <-t.C:
		}
	}
}

func (rs *Resender) log() *zap.Logger {
	if rs.Log == nil {
		return zap.NewNop()
	}
	return rs.Log
}

// nextDue returns the earliest next attempt among pending bodies; a body
// another delivery owns is due when its lease ends.
func (rs *Resender) nextDue() (time.Time, bool) {
	recs, err := rs.Store.List()
	if err != nil {
		return time.Time{}, false
	}
	var next time.Time
	found := false
	for _, r := range recs {
		if r.State != Pending || (rs.Select != nil && !rs.Select(r)) {
			continue
		}
		at := r.NextAttempt
		if rs.Store.Busy(r) && r.LeaseUntil.After(at) {
			at = r.LeaseUntil
		}
		if until := rs.downUntil[r.BaseURL]; until.After(at) {
			at = until
		}
		if !found || at.Before(next) {
			next, found = at, true
		}
	}
	return next, found
}

func (rs *Resender) poster(base string) (Poster, error) {
	if p, ok := rs.clients[base]; ok {
		return p, nil
	}
	p, err := rs.Client(base)
	if err != nil {
		return nil, err
	}
	if rs.clients == nil {
		rs.clients = map[string]Poster{}
	}
	rs.clients[base] = p
	return p, nil
}

func (rs *Resender) pass(ctx context.Context, all bool) (FlushResult, error) {
	var res FlushResult
	recs, err := rs.Store.List()
	if err != nil {
		return res, err
	}
	now := rs.Store.opts.Now()
	down := map[string]bool{} // base URLs found down in this pass
	if rs.downUntil == nil {
		rs.downUntil = map[string]time.Time{}
	}
	for _, r := range recs {
		if ctx.Err() != nil {
			return res, ctx.Err()
		}
		if r.State != Pending || (!all && r.NextAttempt.After(now)) || (rs.Select != nil && !rs.Select(r)) {
			continue
		}
		if down[r.BaseURL] || (!all && now.Before(rs.downUntil[r.BaseURL])) {
			res.Failed++ // not tried: its backend was just found down
			continue
		}
		p, err := rs.poster(r.BaseURL)
		if err != nil {
			res.Failed++
			rs.log().Error("outbox: no client for the body's base URL", zap.Uint64("id", r.ID),
				zap.String("base_url", r.BaseURL), zap.Error(err))
			continue
		}
		full, ok, err := rs.Store.Claim(r.ID)
		switch {
		case errors.Is(err, ErrNotFound):
			continue // settled meanwhile
		case err != nil:
			return res, err
		case !ok:
			res.Busy++
			continue
		}
		out, err := rs.Store.Send(ctx, p, full, rs.MaxBackoff)
		log := rs.log().With(zap.Uint64("id", r.ID), zap.String("inject_id", r.InjectID),
			zap.Int("chunk_index", r.ChunkIndex), zap.String("idempotency_key", r.IdempotencyKey))
		switch out {
		case Delivered:
			delete(rs.downUntil, r.BaseURL)
			res.Delivered++
			log.Info("outbox body delivered")
		case Rejected:
			res.Rejected++
			log.Error("outbox body rejected; moved to the dead list", zap.Error(err))
		default:
			res.Failed++
			log.Warn("outbox body not delivered; kept", zap.Error(err))
			var te *transport.TransmissionError
			if ctx.Err() == nil && (errors.Is(err, transport.ErrRetriesExhausted) || !errors.As(err, &te)) {
				down[r.BaseURL] = true
				if failed, gerr := rs.Store.Get(r.ID); gerr == nil {
					rs.downUntil[r.BaseURL] = failed.NextAttempt
				}
			}
		}
		if err != nil && !errors.Is(err, transport.ErrPermanent) && out == Delivered {
			return res, err
		}
	}
	return res, nil
}
