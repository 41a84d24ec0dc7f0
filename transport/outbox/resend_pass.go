package outbox

import (
	"context"
	"errors"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/injectkit/injectkit/internal/httpx"
	"github.com/injectkit/injectkit/transport"
)

// passState is what one pass knows as it goes, page after page (see
// passPage): the backends it found down, the sends whose first body it
// tried, and what it counted.
type passState struct {
	all      bool
	now      time.Time
	down     map[string]bool // base URLs found down in this pass
	refused  map[string]bool // base URLs that refused the token in this pass
	held     map[string]bool // base URLs down, asking to wait or moved, in this pass
	probed   map[string]bool // base URLs whose body tried before was refused again (429, 503) in this pass
	order    chunkOrder      // the first body of each later body read (see InOrderPoster)
	settled  map[uint64]Outcome
	cut      bool // a send ended by ctx: the pass was interrupted
	noted    bool // attempts can be noted, as far as is known
	sendable func(Record) bool
	// up holds the backends found up since the last pass started, or by
	// a delivery of this one (see Up): base URL ("": every one) → stamp.
	up map[string]uint64
}

func (rs *Resender) sendPass(ctx context.Context, all bool) (FlushResult, error) {
	var res FlushResult
	// The attempts of processes that ended since the store was opened (a
	// concurrent run killed) count before their bodies are read.
	if err := rs.Store.recoverAttempts(); err != nil {
		return res, err
	}
	if rs.downUntil == nil {
		rs.downUntil = map[string]time.Time{}
	}
	now := rs.Store.opts.Now()
	p := &passState{
		all: all, now: now,
		down: map[string]bool{}, refused: map[string]bool{}, held: map[string]bool{}, probed: map[string]bool{},
		order: chunkOrder{},
		// What became of the first bodies of sends tried in this pass
		// (a later body follows its first): theirs alone, not every
		// body's, a million of them a flush's.
		settled: map[uint64]Outcome{},
		noted:   all || !now.Before(rs.heldUntil),
		up:      rs.upSince(),
	}
	p.sendable = rs.sendableNow(p)
	var cur pageCursor
	var buf []Record
	for !cur.done {
		page, err := rs.Store.passPage(&cur, buf)
		if err != nil {
			return res, err
		}
		buf = page
		for i := range page {
			if ctx.Err() != nil {
				// Interrupted: the bodies not tried are still pending.
				n, err := rs.countLeft(page[i:], &cur, now, all)
				res.Failed += n
				return res, errors.Join(ctx.Err(), err)
			}
			if err := rs.sendOne(ctx, p, page, i, &res); err != nil {
				return res, err
			}
		}
	}
	if p.cut {
		// The last body sent was cut short: interrupted all the same.
		return res, ctx.Err()
	}
	return res, nil
}

// countLeft counts the bodies an interrupted pass did not try: those of
// rest, then of the records after cur, each pending, readable and due.
func (rs *Resender) countLeft(rest []Record, cur *pageCursor, now time.Time, all bool) (int, error) {
	left := func(r Record) bool { return r.State == Pending && !r.Unreadable() && rs.due(r, now, all) }
	n := 0
	for _, r := range rest {
		if left(r) {
			n++
		}
	}
	after, err := rs.Store.countAfter(cur, left)
	return n + after, err
}

// sendOne sends page[i], the next record of pass p, if it is to be sent.
// The error ends the pass.
func (rs *Resender) sendOne(ctx context.Context, p *passState, page []Record, i int, res *FlushResult) error {
	r := page[i]
	// A later body of an in-order send follows its first (see
	// InOrderPoster): every record read takes its place in the order.
	first, follows := p.order.see(&page[i])
	if r.State == Pending && r.Unreadable() {
		// Nobody can send it (its backend and profile are unknown):
		// Claim moves it to the dead list, and the next ones are sent.
		if _, _, err := rs.Store.Claim(r.ID); err != nil && !errors.Is(err, ErrNotFound) {
			if !errors.Is(err, ErrBodyCorrupt) {
				return err
			}
			res.Rejected++
			res.Corrupt++
			rs.log().Error("outbox record not sent; moved to the dead list", zap.Uint64("id", r.ID),
				zap.String("reason", ReasonCorrupt), zap.Error(err))
		}
		return nil
	}
	if r.State != Pending || (rs.Select != nil && !rs.Select(r)) {
		return nil
	}
	follows = follows && first.State == Pending && rs.inOrder(r.BaseURL)
	// A backend found up has its bodies sent whatever their schedule.
	early := !p.all && rs.early(p, r)
	if !p.all && !early && r.NextAttempt.After(p.now) {
		return nil
	}
	if !p.noted || p.down[r.BaseURL] || (!p.all && !early && p.now.Before(rs.downUntil[r.BaseURL])) {
		res.Failed++ // not tried: its backend was just found down, or notes cannot be written
		switch {
		case !p.noted:
			res.Unnoted++
		case p.refused[r.BaseURL]:
			res.Refused++
		case p.held[r.BaseURL]:
			res.Untried++
		}
		return nil
	}
	if err := rs.claimAhead(page, i, p.sendable); err != nil {
		return err
	}
	log := rs.recordLog(r)
	if out, tried := p.settled[first.ID]; follows && (!tried || out == Failed) {
		return rs.holdBack(r, first, res, log)
	}
	poster, err := rs.poster(r.BaseURL)
	if err != nil {
		res.Failed++
		log.Error("outbox: no client for the body's base URL", zap.String("base_url", r.BaseURL),
			zap.Error(rs.Store.redactErr(err, nil)))
		return nil
	}
	full, ok, err := rs.claim(r, res, log)
	if err != nil || !ok {
		return err
	}
	// A Retry-After past the poster's cap ends the body's attempts
	// at once: kept, due when the backend asked (at most MaxBackoff
	// away), its backend's other bodies held, rather than waited
	// capped into the same answer.
	out, err := rs.Store.send(httpx.WithLongWaitEnds(ctx), poster, full, rs.MaxBackoff, true, !rs.inOrder(r.BaseURL))
	if r.ChunkIndex == 0 && r.TotalChunks > 1 {
		p.settled[r.ID] = out // its later bodies follow it
	}
	if p.noted = !unnoted(err) || ctx.Err() != nil; p.noted {
		rs.unnoted = 0
	}
	if !unnoted(err) && ctx.Err() == nil {
		rs.recovered("", p.now, troubleNotes)
	}
	rs.settle(ctx, p, r, full, poster, out, err, res, log)
	if err != nil && !errors.Is(err, transport.ErrPermanent) && (out == Delivered || out == Superseded || out == SupersededSent) {
		return err
	}
	return nil
}

// settle counts and logs what became of r, sent by pass p as full with
// poster: out, err.
func (rs *Resender) settle(ctx context.Context, p *passState, r, full Record, poster Poster, out Outcome, err error, res *FlushResult, log *zap.Logger) {
	var re *RecordError
	switch {
	case out == Delivered:
		delete(rs.downUntil, r.BaseURL)
		rs.deliveredTo(p, r.BaseURL)
		rs.recovered(r.BaseURL, p.now, troubleBackend, troubleToken)
		res.Delivered++
		log.Info("outbox body delivered")
		rs.delivered(r)
	case out == Superseded:
		res.Superseded++
		log.Info("outbox body superseded: not sent, the backend no longer needs it")
	case out == SupersededSent:
		res.Superseded++
		res.SupersededSent++
		rs.deliveredTo(p, r.BaseURL)
		rs.recovered(r.BaseURL, p.now, troubleBackend, troubleToken)
		log.Info("outbox body superseded: not sent as it was, its content sent in another form")
		rs.delivered(r)
	case out == Rejected && errors.As(err, &re):
		res.unsent(re)
		log.Error("outbox body not sent; moved to the dead list", zap.String("reason", re.Reason), zap.Error(err))
	case out == Rejected:
		res.rejectedBy(err)
		log.Error("outbox body rejected; moved to the dead list", zap.Error(err))
	case TokenRefused(err):
		rs.failedAt(r.BaseURL)
		res.Failed++
		res.Refused++
		level, still, fields := rs.failing(troubleKey{troubleToken, r.BaseURL}, p.now, zapcore.ErrorLevel)
		say(log, level, still, "outbox body not delivered: the backend refused the request's credentials (401 or 403: its token, or none given); kept, and its other bodies not tried",
			"outbox bodies still not delivered: the backend still refuses the request's credentials (401 or 403: its token, or none given); kept",
			append(fields, zap.String("base_url", r.BaseURL), zap.Error(err))...)
		p.down[r.BaseURL], p.refused[r.BaseURL] = true, true
		if failed, gerr := rs.Store.Get(r.ID); gerr == nil {
			rs.downUntil[r.BaseURL] = failed.NextAttempt
		}
	case !p.noted:
		res.Failed++
		res.Unnoted++
		if res.NoteErr == nil {
			res.NoteErr = err
		}
		level, still, fields := rs.failing(troubleKey{kind: troubleNotes}, p.now, zapcore.WarnLevel)
		say(log, level, still, "outbox body not sent: its attempt cannot be noted beside the outbox (a full disk, a directory not writable); kept, and no body tried before the retry",
			"outbox bodies still not sent: their attempts still cannot be noted beside the outbox (a full disk, a directory not writable); kept",
			append(fields, zap.Duration("retry_in", rs.noteHeld(p.now)), zap.Error(err))...)
	default:
		rs.failedAt(r.BaseURL)
		res.Failed++
		if ctx.Err() != nil {
			log.Warn("outbox body not delivered; kept", zap.Error(err))
			// Cut short in flight: the record says so, as a run's
			// and a retry-dead's do (the backend may have received
			// it); or cut short waiting to retry: it keeps its
			// schedule.
			red, _ := poster.(Redactor)
			if rs.Store.noteInterrupted(full, err, red, rs.MaxBackoff) != nil {
				res.interrupted(err)
			}
		} else {
			level, still, fields := rs.failing(troubleKey{troubleBackend, r.BaseURL}, p.now, zapcore.WarnLevel)
			say(log, level, still, "outbox body not delivered; kept", "outbox bodies still not delivered; kept",
				append(fields, zap.Error(err))...)
		}
		p.cut = p.cut || ctx.Err() != nil
		res.movedBy(err, r.InjectID)
		res.askedBy(err)
		if ctx.Err() == nil && askedToWait(r.LastStatus) && asksToWait(err) && !p.probed[r.BaseURL] {
			// Refused again, as before this pass: maybe for its own
			// payload alone (a WAF's 429 or 503), so the next body
			// of the backend tries it, which otherwise waits for this
			// one for ever. Refused too, the backend is held.
			p.probed[r.BaseURL] = true
		} else if ctx.Err() == nil && (connectionFailure(err) || holdsBack(err)) {
			p.down[r.BaseURL], p.held[r.BaseURL] = true, true
			if failed, gerr := rs.Store.Get(r.ID); gerr == nil {
				rs.downUntil[r.BaseURL] = failed.NextAttempt
			}
		}
	}
}
