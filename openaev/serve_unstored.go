package openaev

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/injectkit/injectkit/internal/httpx"
	"github.com/injectkit/injectkit/internal/reminder"
	"github.com/injectkit/injectkit/runtime"
	"github.com/injectkit/injectkit/serve"
	"github.com/injectkit/injectkit/transport/outbox"
)

// The result of an inject that ran and that nothing keeps: the outbox
// failed to store it (full, held by a process of an earlier version,
// locked past the lock timeout, a full disk), or there is none (--outbox
// none) and the platform did not take it.
//
// The inject ran: running it again would run it twice, so its result is
// what has to be kept, in memory, by the handling of its message. With an
// outbox that failed to store it, it is sent without being stored; when that fails (and,
// without an outbox, once its first delivery failed), its signatures are
// logged (ERROR, once) and it is tried again with backoff (RetryWait,
// doubled up to maxRetryWait): stored in the outbox once there is room for
// it, else sent again without storing it (an outbox another process holds
// at a try is not waited for: see hasRoom). The message stays
// unacknowledged until the platform or the outbox took the result, and the
// room reserved for it stays reserved, so no other inject runs meanwhile
// when the outbox is full. Only a refusal retrying cannot change (the
// platform refuses the token or the callback for good) loses it: logged,
// acknowledged, never run again. A daemon that stops meanwhile (its
// shutdown abandons the sends in flight: see Abandon) or dies leaves the
// message unacknowledged: the broker delivers it again and, the platform
// not showing the inject finished, it runs again. The daemon says so, one
// ERROR naming the inject, from the *serve.DroppedError the handling
// returns (see dropped).

// maxRetryWait caps the wait between two tries of a result sent unstored.
const maxRetryWait = time.Minute

// DefaultMaxAskedWait is HandlerConfig.MaxAskedWait's default: as long
// as serve waits a Retry-After before its next registration.
const DefaultMaxAskedWait = 10 * time.Minute

// askedWait returns the wait before the next try of a result sent
// unstored after err: the one the platform asked with a Retry-After (a
// 429 or 503, httpx.HTTPError.RetryAfter) when longer than backoff, at
// most most (DefaultMaxAskedWait when 0); backoff otherwise. A platform
// in maintenance answering 503 Retry-After: 3600 was tried again 4 times
// every minute and a half (a try's attempts, 30 s apart, then backoff).
func askedWait(err error, backoff, most time.Duration) time.Duration {
	if most <= 0 {
		most = DefaultMaxAskedWait
	}
	var he *httpx.HTTPError
	if errors.As(err, &he) && he.RetryAfter > backoff {
		return max(min(he.RetryAfter, most), backoff)
	}
	return backoff
}

// unstored handles the result of an inject that ran and that the outbox
// failed to store (err: an *outbox.UnstoredError, or a
// *outbox.HeldByOlderError, in the window between the check before the
// run and the store), or, without an outbox, whose terminal callback the
// platform did not take (a failure retrying may change): it is tried
// again until the platform or the outbox takes it (see above). It
// reports false when err is not that; then the caller settles err.
// Otherwise the error it returns settles the message: nil, acknowledged.
func (h *Handler) unstored(ctx context.Context, id, injector string, err error) (handled bool, _ error) {
	var fe *outbox.FullError
	var oe *outbox.HeldByOlderError
	var de *runtime.DeliveryError
	var ue *outbox.UnstoredError
	var pe *PartialError
	full, older := errors.As(err, &fe), errors.As(err, &oe)
	// Any failure of the outbox to store the result (full, held by an
	// earlier version, locked past the lock timeout, a full disk) comes
	// as an *outbox.UnstoredError: the inject ran, its result is kept here.
	failed := older || errors.As(err, &ue)
	held := h.cfg.Store == nil && !final(err) && ctx.Err() == nil && !errors.Is(err, context.Canceled)
	if h.refusedUnkept(ctx, id, injector, err) {
		return true, nil
	}
	// A result the shutdown's requeue dropped (serve.ErrRequeued) is not
	// tried again: the daemon says so (see executed).
	if !errors.As(err, &de) || de.Report == nil || errors.Is(err, serve.ErrRequeued) || !held && (h.cfg.Store == nil || !failed) {
		return false, nil
	}
	if full {
		h.sized(fe.Need)
	}
	from := 0 // the bodies the platform took
	switch {
	case errors.As(err, &ue):
		from = len(ue.Delivered)
	case held && errors.As(err, &pe):
		from = pe.Delivered
	}
	log := h.log.With(injectField(ctx, id))
	if !held {
		log.Warn("the outbox failed to store the inject's result (full, locked, held by an earlier version, a write failure): "+
			"sending it without storing it; its message is acknowledged once the platform takes it", zap.Error(err))
	}
	r := de.Report
	p := h.cfg.Processor.profile
	// Without an outbox, the first delivery's plan is reused: planned
	// again, it would read the platform's version again and repeat its
	// WARNs (findings or signatures left out).
	var pl *plan
	var perr error
	if held && pe != nil && pe.plan != nil {
		pl = pe.plan
	} else {
		pl, perr = p.terminalPlan(ctx, r)
	}
	if perr != nil {
		h.lostResult(log, r, nil, perr, held)
		h.cfg.Metrics.InjectFailed(injector)
		return true, nil
	}
	why, takes := "the outbox failed to store it", "the platform or the outbox takes the result"
	if held {
		why, takes = "no outbox to keep it", "the platform takes the result, kept in memory"
		pl.traces = nil // sent before the first delivery
	}
	wait := h.cfg.RetryWait
	if wait <= 0 {
		wait = time.Second
	}
	abandoned, _ := h.abandon.Hold()
	defer h.cfg.Metrics.HoldResult()()
	defer serve.HoldingResult(ctx)() // /healthz counts it
	// Every try follows one that may have reached the platform (the first delivery, or the
	// outbox's send before its store failed) and been taken, its answer lost (a 502, a
	// timeout): the "complete" asks it first, and knows its own by the run mark, the plan's
	// again (see noteRunMark).
	ctx = context.WithValue(ctx, markTriedBefore, true)
	var prev error     // the error of the try before this one
	said := time.Now() // when a line last said the failure at WARN or ERROR (the first try's)
	for attempt := 1; ; attempt++ {
		n, kept, serr := from, false, err // without an outbox, the first delivery was attempt 1
		if !held || attempt > 1 {
			// The shutdown's abandon cuts the try short, the Poster's
			// own retries with it (see dropped below).
			// A Retry-After asking more than a retry waits (30 s) ends
			// the try at that answer: the wait below keeps to it.
			tctx, _, release := outbox.HoldAbort(httpx.WithLongWaitEnds(ctx), &h.abandon)
			n, kept, serr = h.keep(tctx, p, pl, r, from)
			release()
		}
		from = n
		switch {
		case serr == nil:
			if kept {
				log.Info("the inject's result found room in the outbox: kept for a resend; message acknowledged",
					zap.String("outbox", h.cfg.Store.Path()), zap.Int("attempt", attempt))
				h.signal()
			} else {
				// Sent by this loop (the first try too with an outbox
				// that failed to store it): the message's settling line.
				log.Info("the inject's result sent without storing it; message acknowledged", zap.Int("attempt", attempt))
			}
			h.cfg.Metrics.InjectCompleted(injector)
			return true, nil
		case final(serr):
			h.lostResult(log, r, pl.unsent(from), serr, held)
			h.cfg.Metrics.InjectFailed(injector)
			return true, nil
		case fired(abandoned):
			return true, dropped(attempt, serr, prev)
		}
		next := askedWait(serr, wait, h.cfg.MaxAskedWait)
		if attempt == 1 {
			fields := append(signatureFields(r, pl.unsent(from)), zap.Error(serr), zap.Duration("retry_in", next))
			log.Error("terminal callback not delivered and "+why+": retrying until "+takes+"; the message stays unacknowledged so that the inject does not run again", fields...)
		} else if ce := log.Check(reminder.Level(&said, time.Now()), "terminal callback still not delivered, "+why+": retrying"); ce != nil {
			// A WARN every reminder.Every, DEBUG between (issue 14 point 11).
			ce.Write(zap.Int("attempt", attempt), zap.Error(serr), zap.Duration("retry_in", next))
		}
		t := time.NewTimer(next)
		select {
		case <-ctx.Done():
			t.Stop()
			if fired(abandoned) {
				return true, dropped(attempt, serr, nil)
			}
			return true, errors.Join(serr, ctx.Err()) // requeued: neither delivered nor kept
		case <-abandoned:
			t.Stop()
			return true, dropped(attempt, serr, nil)
		case <-t.C:
		}
		prev = serr
		wait = min(2*wait, maxRetryWait)
	}
}

// fired reports whether the shutdown's abandon (ch) has fired.
func fired(ch <-chan struct{}) bool {
	select {
	case <-ch:
		return true
	default:
		return false
	}
}

// dropped returns the error that settles the message of a result held in
// memory that the shutdown abandoned, whether it came during a try (the
// Poster's own retries cut short) or between two: a *serve.DroppedError,
// from which the daemon requeues the message and says, once, that the
// result goes with the process and the inject runs again where its
// message is taken. It carries the last error the platform's answer (or
// its absence) gave: serr, the error of attempt, or, when the shutdown
// cut that attempt short (serr is then the cancellation alone), prev,
// the error of the attempt before it.
func dropped(attempt int, serr, prev error) error {
	if prev != nil && errors.Is(serr, context.Canceled) {
		return &serve.DroppedError{Err: fmt.Errorf("%w (the shutdown stopped the retries, cutting attempt %d short)", prev, attempt)}
	}
	return &serve.DroppedError{Err: fmt.Errorf("%w (the shutdown stopped the retries, at attempt %d)", serr, attempt)}
}

// keep tries once to deliver the bodies of plan pl from index from on:
// stored in the outbox and sent when none was sent yet and it has room
// for them, sent without storing them otherwise. It returns the bodies
// the platform took (from on), whether the outbox keeps the result, and
// the error of the first body neither delivered nor kept.
func (h *Handler) keep(ctx context.Context, p *Profile, pl *plan, r *runtime.Report, from int) (int, bool, error) {
	b := p.outboxBodies(pl, r.InjectID)
	if from == 0 && h.cfg.Store != nil && h.hasRoom(b.Size) {
		d := &outbox.Deliverer{Profile: planned{Profile: p, b: b}, Store: h.cfg.Store, Failed: h.cfg.Wake}
		err := d.Deliver(ctx, r)
		var se *runtime.StoredError
		var ue *outbox.UnstoredError
		switch {
		case err == nil:
			return b.N, false, nil
		case errors.As(err, &se) && se.Pending > 0:
			return 0, true, nil
		case errors.As(err, &ue):
			from = len(ue.Delivered) // full again: sent unstored below
		default:
			return 0, false, err
		}
	}
	if from == 0 && pl.traces != nil {
		pl.traces(ctx) // once: not again after an outbox that kept nothing
	}
	for i, body := range pl.bodies() {
		if i < from {
			continue
		}
		if err := p.PostBody(ctx, r.InjectID, i, body); err != nil {
			return from, false, failedBody(err, i, b.N)
		}
		from = i + 1
	}
	return from, false, nil
}

// hasRoom reports whether the outbox has room for size more bytes, and
// takes them now (no process of an earlier version holding it). An
// outbox another process holds now has none for this try: it is not
// waited for (the lock timeout at every try), the result is sent
// without being stored, and the next try looks again.
func (h *Handler) hasRoom(size int64) bool {
	st, err := h.cfg.Store.StatsNow()
	return err == nil && st.Older == nil && st.Bytes+size <= h.cfg.Store.MaxBytes()
}

// planned is a profile whose bodies are planned already (their Before
// hook sends the per-target traces, once over all tries).
type planned struct {
	*Profile
	b outbox.Bodies
}

func (p planned) Bodies(context.Context, *runtime.Report) (outbox.Bodies, error) { return p.b, nil }

// final reports whether retrying cannot deliver a callback: the platform
// refuses the token or the callback for good.
func final(err error) bool {
	var auth *AuthorizationError
	return errors.As(err, &auth) || errors.Is(err, ErrPermanent)
}

// failedBody names body i of n in err when there are several.
func failedBody(err error, i, n int) error {
	if n > 1 {
		return &PartialError{Delivered: i, Total: n, Err: err}
	}
	return err
}

// refusedUnkept settles the result of an inject that ran and that the
// platform refused for good at its first delivery (a 400), with no
// outbox to keep it: lost, said once at ERROR with its signatures, and
// its message acknowledged, the inject not run again, as a result held in
// memory and refused on a later try is (README, serve: "A refusal no
// retry can change (a 4xx for good) loses it"; injectkit_messages_total
// counts it acked). A refused token is not this: the daemon settles it
// (see settle). It reports whether it settled err.
func (h *Handler) refusedUnkept(ctx context.Context, id, injector string, err error) bool {
	var de *runtime.DeliveryError
	var auth *AuthorizationError
	if h.cfg.Store != nil || !errors.As(err, &de) || de.Report == nil || !errors.Is(err, ErrPermanent) ||
		errors.As(err, &auth) || errors.Is(err, serve.ErrRequeued) {
		return false
	}
	h.lostResult(h.log.With(injectField(ctx, id)), de.Report, unsentOf(err), err, true)
	h.cfg.Metrics.InjectFailed(injector)
	return true
}

// lostResult logs the result of an inject that ran and that neither the
// platform nor the outbox took (unsent, as signatureFields takes them):
// its message is acknowledged, the inject not run again. noOutbox: there
// is none (the outbox failed to store it otherwise).
func (h *Handler) lostResult(log *zap.Logger, r *runtime.Report, unsent []json.RawMessage, err error, noOutbox bool) {
	why := "the outbox failed to store it"
	if noOutbox {
		why = "no outbox"
	}
	log.Error("terminal callback refused and "+why+": the inject's result is lost to the platform; "+
		"message acknowledged so that the inject does not run again", append(signatureFields(r, unsent), zap.Error(err))...)
}

// unsentOf returns the signature targets err says the platform did not
// get (a *PartialError's or an *outbox.UnstoredError's), nil when it
// names none.
func unsentOf(err error) []json.RawMessage {
	var pe *PartialError
	var ue *outbox.UnstoredError
	switch {
	case errors.As(err, &pe) && pe.Unsent != nil:
		return pe.Unsent
	case errors.As(err, &ue) && ue.Unsent != nil:
		return ue.Unsent
	}
	return nil
}

// signatureFields are the log fields of a report's status and the
// signatures the platform did not get, as its callbacks carry them (the platform's names, once per agent of an asset
// with several), unsent when not nil, else all of r's as
// platformSignaturesOf converts them; {"targets": [...]}, as a payload,
// nested in the line as JSON (not a string holding it: a log shipper
// reading a --log-format json line parses it once; the console's fields
// are JSON too). A secret in it is redacted as any other field's: the
// log's writer redacts the line whole.
func signatureFields(r *runtime.Report, unsent []json.RawMessage) []zap.Field {
	fields := []zap.Field{zap.String("status", string(r.Status))}
	if unsent == nil {
		wire, _, err := platformSignaturesOf(r)
		if err != nil {
			return fields
		}
		for _, t := range wire.Targets {
			b, err := json.Marshal(t)
			if err != nil {
				return fields
			}
			unsent = append(unsent, b)
		}
	}
	return append(fields, zap.Array("undelivered_signatures", unsentTargets(unsent)))
}

// unsentTargets logs as an array of each target's signatures as the JSON
// they would have been sent as (the terminal callback's "targets"):
// nested in a JSON line, not a string of JSON, and always an array.
type unsentTargets []json.RawMessage

func (u unsentTargets) MarshalLogArray(a zapcore.ArrayEncoder) error {
	for _, t := range u {
		if err := a.AppendReflected(t); err != nil {
			return err
		}
	}
	return nil
}
