package openaev

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"time"

	"go.uber.org/zap"

	"github.com/injectkit/injectkit/internal/httpx"
	"github.com/injectkit/injectkit/transport/outbox"
)

// A message may be run by two processes: the broker delivers it again
// when the channel it came on closes before its acknowledgement, whether
// the process died or only lost its connection and finishes the run.
// Both runs then hold a terminal callback, and the platform would complete
// the inject twice. The one that completes second is the duplicate: before
// each attempt of the "complete" callback, a run that may have a twin asks
// the platform for the inject's status, and sends nothing once it shows the
// inject finished. Asking before each attempt, not once, keeps the window
// in which both can send down to one round trip: a callback's retries wait
// seconds, during which the twin may have completed. Every run asks before
// a retry of its "complete", twin or not: the platform may have taken the
// attempt whose answer never came back, which the inject's traces then
// show (completeVerdict): that "complete" is delivered.

// errSuperseded ends the attempts of a terminal callback whose inject the
// platform shows finished; PostBody reports it as delivered.
var errSuperseded = errors.New("the inject already finished on the platform")

type ackLostKey struct{}

type supersededKey struct{}

// noteSuperseded returns ctx in which a terminal callback not sent because
// its inject already finished (errSuperseded) sets the flag returned: the
// run delivered nothing, though PostBody reports it delivered.
func noteSuperseded(ctx context.Context) (context.Context, *atomic.Bool) {
	var flag atomic.Bool
	return context.WithValue(ctx, supersededKey{}, &flag), &flag
}

// AckLost returns ctx marked as the handling of a message whose
// acknowledgement may not land: lost reports, each time it is called,
// whether the channel the message came on has closed since it was
// delivered. The broker then delivers the message again, maybe to another
// process, which runs it too; from then on, the profile asks the platform
// before each attempt of the terminal callback, as for a redelivered
// message (see Redelivered). The serve Handler marks its messages with
// serve.Delivery.Lost.
func AckLost(ctx context.Context, lost func() bool) context.Context {
	if lost == nil {
		return ctx
	}
	return context.WithValue(ctx, ackLostKey{}, lost)
}

// ackLost reports whether ctx's message can no longer be acknowledged.
func ackLost(ctx context.Context) bool {
	lost, _ := ctx.Value(ackLostKey{}).(func() bool)
	return lost != nil && lost()
}

// mayHaveTwin reports whether another run of ctx's message may exist, or
// another "complete" of this one: the message was delivered again, its own
// acknowledgement cannot land, or its held result is tried again.
func mayHaveTwin(ctx context.Context) bool {
	return redelivered(ctx) || ackLost(ctx) || marked(ctx, markTriedBefore)
}

// alwaysTwin is the twin test of a resend: the body was stored by a run that
// may have been repeated since, by this process or another.
func alwaysTwin(context.Context) bool { return true }

// postBody posts body index of inject id's terminal callback. Before each
// attempt of the "complete" (index 0), when twin(ctx) says another run may
// have completed the inject, and before every retry of it, it asks the
// platform for the inject's status: once the inject is finished, nothing
// more is sent, and the "complete" is delivered when the platform shows
// it took this very body, superseded (errSuperseded) otherwise (see
// completeVerdict). A retry asks even without a
// twin: the attempt before it may have been taken by the platform and only
// its answer lost (a connection cut after the request went out), and a
// second "complete" would finish the inject twice.
// "data" callbacks (index > 0) are sent without asking: they follow their
// "complete" (a resend holds them back until it is delivered or
// superseded, see ResendPoster).
func (p *Profile) postBody(ctx context.Context, injectID string, index int, body []byte, twin func(context.Context) bool) error {
	op := ActionComplete
	if index > 0 {
		op = ActionData
	}
	return p.postAs(ctx, injectID, index, op, body, twin)
}

// postAs is postBody, body index sent as a callback of action op: a
// "data" one is sent without asking.
func (p *Profile) postAs(ctx context.Context, injectID string, index int, op string, body []byte, twin func(context.Context) bool) error {
	req := request{op: op, path: callbackPath(injectID), contentType: "application/json", body: body,
		injectID: injectID, retryConflict: true, statusOnly: true}
	var started time.Time // the last attempt's start
	if op == ActionComplete {
		// The status request is not a callback: it uses ctx, not the
		// callback context the attempts get.
		var warned verdictSaid // the WARN lines of completeVerdict, each logged once
		var race raceState     // a 409 from the dispatch race (dispatchrace.go)
		req.retrying = race.noteFailure
		req.before = func(_ context.Context, attempt, unanswered int) error {
			if attempt == 1 && !twin(ctx) {
				return nil
			}
			// The token refused, or the status of a body the platform may
			// hold unreadable for a while: nothing more is sent now; the
			// inject finished: by this very body (errOwnTaken) or another
			// run's (errSuperseded, see completeVerdict).
			unreported, err := p.completeVerdict(ctx, injectID, body, mayHold(ctx, unanswered), &warned)
			if err != nil {
				return err
			}
			// Unfinished, but read within the ingestion window of an
			// attempt of this "complete" that got no answer (this send's,
			// the stored body's, a held result's first), or finalized
			// without a result within that window and the platform's
			// requeue span: the platform may hold it still unprocessed;
			// the attempt waits (ingestwindow.go). The note of another
			// "complete" (an earlier run's, delivered) withholds nothing.
			if unanswered > 0 || outbox.EarlierUnanswered(ctx) > 0 || marked(ctx, markTriedBefore) {
				if at, ok := outbox.InterruptedAt(ctx); ok {
					// The stored body's attempt whose process was killed
					// during it: the window runs from its start.
					p.noteInterrupted(ctx, injectID, at)
				}
				if err := p.tooEarly(injectID, unreported != ""); err != nil {
					return err
				}
			}
			if unreported != "" {
				p.sayUnreported(ctx, injectID, unreported, body, &warned)
			}
			p.receiveAgain(ctx, injectID, warned.status, &race)
			return nil
		}
		// The attempt's start, which the note of its complete keeps: how
		// long ago it was sent is told from it.
		verdict := req.before
		req.before = func(c context.Context, attempt, unanswered int) error {
			if err := verdict(c, attempt, unanswered); err != nil {
				return err
			}
			started = p.notes.now()
			return nil
		}
		req.unanswered = func(int) { p.noteComplete(ctx, injectID, started) }
		// The platform may hold findings of this "complete" already: those
		// of the run it reopened, or of a copy it took (an earlier attempt,
		// a twin, the stored body's first send). One repeated would have
		// the whole callback dropped: they are left out.
		var st unstoredState
		req.rewrite = func(_ context.Context, _, unanswered int, body []byte) ([]byte, error) {
			if mayHold(ctx, unanswered) || twin(ctx) || p.reopened.has(injectID) {
				return p.unstoredOnly(ctx, injectID, body, &st)
			}
			return body, nil
		}
	}
	lost := 0
	if op == ActionData {
		req.lost = &lost
		lost = outbox.EarlierUnanswered(ctx) // a stored "data" body's own earlier attempts
		if index == 0 {
			// A superseded "complete" sent as data: its earlier attempts
			// as data alone, not those of the "complete".
			lost = outbox.EarlierUnansweredOther(ctx)
		}
	}
	_, err := p.client.do(callbackContext(ctx), req)
	switch {
	case errors.Is(err, errOwnTaken):
		if !marked(ctx, markResend) {
			p.log.Info("terminal callback "+p.client.sentAs()+": the platform shows it took this complete, whose answer was lost; nothing more sent",
				injectField(ctx, injectID), zap.String("action", op), zap.Int("index", index))
		}
		return nil
	case errors.Is(err, errSuperseded):
		if flag, ok := ctx.Value(supersededKey{}).(*atomic.Bool); ok {
			flag.Store(true)
		}
		return err
	case err != nil:
		err = authorization(err, injectID, p.denial(ctx, err, p.received.has(injectID)), p.client.cfg.Token == "")
		if lost > 0 {
			// Kept to be sent again, it may be stored once more: the one
			// line that reports the failure (the runtime's, serve's, a
			// flush's) says so, with what the platform may hold.
			return fmt.Errorf("inject %s: terminal callback (%s): %w; data callback index %d (%d signature targets) not delivered "+
				"%s that got no answer: the platform may already have stored its signatures",
				injectID, op, err, index, signatureTargets(body), httpx.AfterAttempts(lost))
		}
		return fmt.Errorf("inject %s: terminal callback (%s): %w", injectID, op, err)
	}
	if op == ActionComplete {
		p.noteComplete(ctx, injectID, started)
	}
	if !marked(ctx, markResend) {
		logAt(p.log, p.callbackLevel, "terminal callback "+p.client.sentAs(), func() []zap.Field {
			return []zap.Field{injectField(ctx, injectID), zap.String("action", op), zap.Int("index", index)}
		})
	}
	if lost > 0 {
		// A "data" callback adds to what the platform holds, and nothing
		// tells whether an attempt that got no answer was taken.
		p.log.Warn("data callback delivered after an attempt that got no answer: the platform may have stored its signatures twice",
			injectField(ctx, injectID), zap.Int("index", index), zap.Int("signature_targets", signatureTargets(body)),
			zap.Int("unanswered", lost))
	}
	return nil
}

// mayHold reports whether the platform may hold a copy of ctx's
// "complete" already, its answer lost: an earlier attempt of this send got
// no answer (unanswered of them: a connection cut once the request went
// out, a timeout, a gateway's 502 or 504, Envoy's 503 after a reset: see
// httpx.GatewayNoAnswer), or the body was sent before this send (a
// resend, a held result tried again). One answered otherwise (another
// 503, a 429, a connection refused) was not taken.
func mayHold(ctx context.Context, unanswered int) bool {
	return unanswered > 0 || marked(ctx, markResend) || marked(ctx, markTriedBefore)
}

// unstoredState is what the attempts of one "complete" left out so far.
type unstoredState struct {
	stored int  // findings the platform stores, at the last attempt
	warned bool // the WARN of findings sent without a search was logged
}

// unstoredOnly returns body, a "complete" of inject id, without the
// findings the platform already stores for the inject (withoutStored),
// saying how many it left out at INFO when that changed since the last
// attempt (st). When they cannot be read for a while (a network error, a
// 5xx, a 429: a failed request worth a later try), the "complete" is not
// sent: an error wrapping the search's (ErrRetriesExhausted) ends its
// attempts, and an outbox keeps it pending, to be resent (and searched
// again) later. When the platform refuses the search for good (a 403, a
// platform without the route, an unreadable answer), body is sent without
// any finding (withoutFindings) after one WARN naming them (but a 401:
// the token refused, the complete is not sent, the search's error returned): the status,
// the message and the signatures reach the platform, and no finding can
// repeat.
func (p *Profile) unstoredOnly(ctx context.Context, injectID string, body []byte, st *unstoredState) ([]byte, error) {
	out, n, err := withoutStored(body, func(field string) ([]StoredFinding, error) {
		return p.client.StoredFindings(ctx, injectID, field)
	})
	var ae *APIError
	switch {
	case err == nil:
	case ctx.Err() != nil, tokenRefused(err):
		return nil, err // the token refused: the complete would carry it
	case errors.As(err, &ae) && !ae.Permanent():
		return nil, fmt.Errorf("the inject's stored findings cannot be read from the platform, and the complete "+
			"may repeat one it stores (it would drop the callback): not sent: %w", err)
	default:
		out, fields, n := withoutFindings(body)
		if n > 0 && !st.warned {
			st.warned = true
			p.log.Warn("the inject's stored findings cannot be read from the platform; sending the complete without its findings "+
				"(one it already stores would have the callback dropped)",
				injectField(ctx, injectID), zap.Strings("fields", fields), zap.Int("findings", n), zap.Error(err))
		}
		return out, nil
	}
	if n > 0 && n != st.stored {
		p.log.Info("findings left out: the platform already stores them for this inject",
			injectField(ctx, injectID), zap.Int("findings", n))
	}
	st.stored = n
	return out, nil
}
