package outbox

import (
	"context"
	"errors"
	"time"

	"go.uber.org/zap"
)

// Resender resends the pending bodies of a Store. Run and Flush must not be
// called concurrently on one Resender.
type Resender struct {
	Store *Store
	// Client returns the poster for a body's base URL; it is called once
	// per base URL and its result kept. A KeyedPoster posts each body
	// under its recorded Idempotency-Key, and a Redactor's secrets are
	// redacted from what is kept and logged (*transport.Client is both).
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
	// Delivered, when not nil, is called with the record of each body a
	// pass delivered: sent as stored (Delivered), or its content sent in
	// another form (SupersededSent); not one superseded unsent. Its
	// Created is when it was stored. It must not block.
	Delivered func(Record)

	clients map[string]Poster
	// downUntil holds, per base URL found down by Run (a connection-level
	// failure), when to try it again.
	downUntil map[string]time.Time
	// window holds the records the pass running claimed ahead, claimed
	// at windowAt (see claimAhead).
	window   map[uint64]claimed
	windowAt time.Time
	// unnoted counts the passes in a row whose attempt could not be noted
	// (see noteHeld); heldUntil is when Run tries a body again after one.
	unnoted   int
	heldUntil time.Time
	// troubles holds the failures said that go on (see failing).
	troubles map[troubleKey]*trouble
	// ups holds the backends found up (see Up).
	ups upState
}

// Flush sends every pending body now, whatever its next-attempt time, one
// after the other. Bodies another delivery owns are counted Busy and left
// alone. Once a body's backend is found down (a connection-level failure:
// refused, reset or cut, timed out, no route, not resolved), asking to
// wait (its last answer a 429 or 503: the next bodies would only add to
// its load; one whose Retry-After asks more than its poster waits ends
// that body's attempts at once, see httpx.WithLongWaitEnds) or moved for good (a 301 or 308: the next bodies would meet
// the same redirect), the other bodies for the same base URL are counted
// Failed and Untried without being tried; a body that fails otherwise
// (another HTTP status, a request that cannot be built for it) fails
// alone, and the next ones are tried. A body whose
// request cannot be built, or whose stored bytes are corrupt, moves to the
// dead list unsent (Rejected). A body the backend answers 401 or 403
// stays pending (the token is at fault, not the body), and the other
// bodies for that base URL are not tried (all counted Failed and
// Refused). The error is a store error or the context's; delivery
// failures are counted, not returned. Once ctx is done, the body being
// sent keeps its attempts and last error, and it and the bodies not
// tried are counted Failed; the error is the context's, the body cut
// short the last one included.
func (rs *Resender) Flush(ctx context.Context) (FlushResult, error) {
	return rs.pass(ctx, true)
}

// Run resends due bodies until ctx is done, sleeping until the next one is
// due (at most MaxBackoff). Failures are logged and retried with backoff;
// once a base URL is found down (see Flush), its other bodies wait until
// the failed one's next attempt, or until the backend is found up again
// (see Up; a body of it delivered counts too): then they are sent at once,
// in order, until one is not delivered. A failure that lasts (a backend down or
// refusing the token, attempts that cannot be noted) is logged as it
// starts, again every StillFailingEvery with the attempts failed so far,
// and once, an INFO line, as it ends; its retries in between are DEBUG
// lines. Run returns ctx's error.
func (rs *Resender) Run(ctx context.Context) error {
	limit := rs.MaxBackoff
	if limit <= 0 {
		limit = MaxBackoff
	}
	up := rs.upWake()
	for {
		if _, err := rs.pass(ctx, false); err != nil && ctx.Err() == nil {
			rs.log().Error("outbox resend pass failed", zap.String("outbox", rs.Store.Path()), zap.Error(err))
		}
		wait := limit
		next, ok := rs.nextDue()
		if ok {
			wait = min(max(time.Until(next), 0), limit)
		}
		rs.setWaiting(ok)
		t := time.NewTimer(max(wait, 10*time.Millisecond))
		select {
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-rs.Wake:
			t.Stop()
		case <-up:
			t.Stop()
		case <-t.C:
		}
	}
}

// recordLog is the logger of r's resend.
func (rs *Resender) recordLog(r Record) *zap.Logger {
	return rs.log().With(zap.Uint64("id", r.ID), zap.String("inject_id", r.InjectID),
		zap.Int("chunk_index", r.ChunkIndex), zap.String("idempotency_key", r.IdempotencyKey))
}

func (rs *Resender) log() *zap.Logger {
	if rs.Log == nil {
		return zap.NewNop()
	}
	return rs.Log
}

// nextDue returns the earliest next attempt among pending bodies; a body
// another delivery owns is due when its lease ends. It reads the records a
// page at a time (see passPage).
func (rs *Resender) nextDue() (time.Time, bool) {
	var next time.Time
	found := false
	var cur pageCursor
	var buf []Record
	for !cur.done {
		recs, err := rs.Store.passPage(&cur, buf)
		if err != nil {
			return time.Time{}, false
		}
		buf = recs
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
			if rs.heldUntil.After(at) {
				at = rs.heldUntil
			}
			if !found || at.Before(next) {
				next, found = at, true
			}
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

// pass sends the pending bodies due (all: every one), and gives back those
// it claimed ahead and did not send.
func (rs *Resender) pass(ctx context.Context, all bool) (FlushResult, error) {
	res, err := rs.sendPass(ctx, all)
	if gerr := rs.giveBack(); gerr != nil {
		err = errors.Join(err, gerr)
	}
	return res, err
}

// delivered tells Delivered of r, a body a pass delivered.
func (rs *Resender) delivered(r Record) {
	if rs.Delivered != nil {
		rs.Delivered(r)
	}
}

// noteHeld holds every body back after an attempt that could not be
// noted (see startAttempt), which posts nothing and leaves its record due
// now: the next bodies would meet the same file, and Run would try again
// at once, for as long as the disk stays full. It returns the wait:
// MinBackoff, doubling with each such pass in a row up to MaxBackoff.
func (rs *Resender) noteHeld(now time.Time) time.Duration {
	rs.unnoted++
	wait := Backoff(rs.unnoted, rs.MaxBackoff)
	rs.heldUntil = now.Add(wait)
	return wait
}

// due reports whether a pass sends r, a pending record: one this Resender
// selects, whatever its next attempt when all.
func (rs *Resender) due(r Record, now time.Time, all bool) bool {
	return (all || !r.NextAttempt.After(now)) && (rs.Select == nil || rs.Select(r))
}
