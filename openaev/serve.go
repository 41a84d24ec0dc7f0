package openaev

import (
	"context"
	"errors"
	"fmt"
	"time"

	"go.uber.org/zap"

	"github.com/injectkit/injectkit/runtime"
	"github.com/injectkit/injectkit/serve"
	"github.com/injectkit/injectkit/transport/outbox"
)

// The adapters between the OpenAEV platform and serve.Daemon (the Registrar is in registrar.go).

// Interface guards.
var (
	_ serve.Registrar       = (*Registrar)(nil)
	_ serve.DeliveryHandler = (*Handler)(nil)
	_ serve.OversizeHandler = (*Handler)(nil)
	_ serve.KeyNamer        = (*Handler)(nil)
	_ serve.AckLostNoter    = (*Handler)(nil)
	_ serve.HealthReasoner  = (*APIError)(nil)
)

// HandlerConfig configures a Handler.
type HandlerConfig struct {
	// Processor runs the messages, through a runtime whose deliverer is
	// its profile, made durable by Store when there is one.
	Processor *Processor
	// Store is the outbox of the profile's terminal callbacks (see
	// outbox.Deliverer), nil without one.
	Store *outbox.Store
	// Wake, when set, is signalled when a callback waits in Store (a
	// Resender's Wake).
	Wake chan<- struct{}
	// RetryWait is the first wait before a result the outbox had no room
	// for, not delivered either, is tried again (default 1s; see
	// unstored).
	RetryWait time.Duration
	// MaxAskedWait bounds the wait a platform's Retry-After asks before
	// such a result's next try (default DefaultMaxAskedWait).
	MaxAskedWait time.Duration
	Metrics      *serve.Metrics
	Log          *zap.Logger
}

// Handler runs the platform messages a serve.Daemon consumes: at most one
// run per inject, at least one delivery of its result.
//
//   - A message is taken for a redelivery (one that may have run before)
//     when the broker's redelivered flag is set, or when this process
//     knows its inject: a handling in flight, one whose acknowledgement
//     was lost, a start of it that ended with its process, a "complete"
//     within the ingestion window (see sentBefore): the flag alone is not
//     to be relied on. A message of an inject nothing knows is a first
//     delivery.
//   - A redelivered message whose terminal callback already waits in the
//     outbox is acknowledged without running its inject again (the
//     consumer that ran it stopped before acknowledging it). A first
//     delivery is not looked up.
//   - A redelivered message is run only when the platform does not say
//     its inject has finished (GET /api/injects/{id}; see Finished): the
//     platform would reopen a finished inject and complete it twice (a
//     status it set without a run's result, its pending sweep's, is not
//     finished: see InjectState.Unreported and Client.InjectFinished); nor
//     is any message of an inject whose "complete" was sent within the
//     platform's ingestion window (see sentRecently), unless the platform
//     shows the inject launched again since (see launchedAgain). When
//     the status cannot be read, it runs, and the reason is logged; when
//     the platform refuses that read to the token (401, 403), the message
//     is kept for a later try, not run (see stateRefused). A
//     redelivered message of an inject this process is running waits for
//     that run and takes its outcome (see Processor.ProcessMessage); only
//     that wait is logged then: any message of an inject whose handling is
//     in flight here is one. A first delivery that raced another to the
//     inject waits until that handling returned, then runs (see claim;
//     unless sentRecently), its "complete" reading the stored findings
//     first, as one whose reception the platform answers with an earlier
//     run's "complete" (see Receipt.Earlier).
//   - The run of a redelivered message, and of one whose channel closed
//     before its acknowledgement (serve.Delivery.Lost: the broker delivers
//     it again), asks the platform before each attempt of its terminal
//     callback and sends nothing once the inject is finished (see
//     AckLost).
//   - With an outbox, each run is recorded in it before it starts, and a
//     redelivered message of an inject whose runs ended the process
//     MaxUnfinishedRuns times (a panic in a goroutine of its injector) is
//     answered with its terminal ERROR instead of a run (see startRun).
//   - A refusal of the token (*AuthorizationError) is a
//     serve.UnauthorizedError keyed by the inject, durable when the outbox
//     keeps the body: the inject is never run again for it. Without an
//     outbox, the result of an inject that ran is logged (ERROR, with its
//     signatures) and its message acknowledged all the same.
//   - An inject runs only when room for its result is reserved in the
//     outbox (see reserve: a serve.PauseError otherwise), and a result
//     that finds it full after the run all the same is sent without being
//     stored, tried again until the platform or the outbox takes it,
//     never run again (see unstored). Without an outbox, a result the
//     platform did not take is held so too, in memory, its delivery alone
//     tried again until the platform takes it: never run again.
//   - The runtime logs none of the failures it returns
//     (runtime.Request.CallerLogs): the line settling the message says
//     each once, the daemon's (rejected, kept and handled again, a
//     result held in memory that the shutdown dropped: a
//     *serve.DroppedError) or the Handler's (a result kept in the
//     outbox: one WARN).
//   - A result kept in the outbox for a resend acknowledges the message;
//     a message the processor refused (*MessageError) or a callback the
//     platform refused for good is rejected (serve.Permanent); anything
//     else is a transient failure: the daemon keeps the message and
//     handles it again (asset-group paging the platform failed, a
//     *TargetsUnavailableError, included: nothing was sent for it).
type Handler struct {
	cfg     HandlerConfig
	log     *zap.Logger
	room    room
	known   known   // the injects this process knows (see sentBefore)
	abandon abandon // fired by the daemon's shutdown timeout (see Abandon)
}

// NewHandler returns the Handler of cfg.
func NewHandler(cfg HandlerConfig) *Handler {
	log := cfg.Log
	if log == nil {
		log = zap.NewNop()
	}
	return &Handler{cfg: cfg, log: log}
}

// Handle handles a message delivered for the first time.
func (h *Handler) Handle(ctx context.Context, body []byte) error {
	return h.HandleDelivery(ctx, serve.Delivery{Body: body})
}

// HandleDelivery handles one message; see Handler.
func (h *Handler) HandleDelivery(ctx context.Context, d serve.Delivery) (err error) {
	// The runtime returns its failures without logging them (each
	// request's runtime.Request.CallerLogs): the daemon's line settling
	// the message (or settle's) says each once.
	ctx = withGone(AckLost(Dispatched(ctx), d.Lost), d.Gone)
	m, ok := d.Decoded.(*Message)
	// d lives as long as the handling (the deferred function reads it):
	// the run takes what it needs of m (its targets) before it starts, and
	// m, its assets about the body's size again, is not kept meanwhile.
	d.Decoded = nil
	if !ok || m == nil {
		m, err = ParseMessage(d.Body)
	}
	if err != nil {
		h.received(d, d.Redelivered, "")
		// Process reports the message (an INVALID_USAGE when it names its
		// inject) and returns the same refusal.
		return h.settle(ctx, "", "", h.cfg.Processor.process(ctx, d.Body, true))
	}
	id, injector := m.Injection.InjectID, h.cfg.Processor.injectorOf(m)
	// A message may have been delivered before when the broker says so,
	// or when this process knows its inject (see sentBefore): the flag
	// alone is not to be relied on.
	redelivered, what, startsErr := d.Redelivered, "", error(nil)
	var by string // what recognised an unflagged message as one sent again
	if !redelivered {
		by, what, startsErr = h.sentBefore(id) // outbox.ErrLocked: paused below
		redelivered = by != ""
	}
	if redelivered {
		h.received(d, true, injector)
	}
	// The handling of this message is the inject's in this process until
	// it returns (its flight, ended with its outcome here): a message sent
	// again meanwhile takes its outcome, another first delivery (one that
	// raced it to the claim) waits for it (see claim). A handling that
	// ends once its channel closed is noted before its flight ends: the
	// broker sends the message again, maybe without its redelivered flag,
	// and the copy finds the flight or the note (see sentBefore), never
	// neither.
	var endFlight func(error)
	defer func() {
		v := recover()
		if d.Lost != nil && d.Lost() {
			h.NoteAckLost(id)
		}
		if v != nil {
			if endFlight != nil {
				endFlight(panicked(id, v))
			}
			panic(v)
		}
		if endFlight != nil {
			endFlight(err)
		}
	}()
	if startsErr != nil {
		h.received(d, false, injector) // counted once, as a room check's pause is
		return h.lockedPause(ctx, id, what, startsErr)
	}
	// Only a message that may have been delivered before can find its
	// callback stored by an earlier run: a message nothing knows of costs
	// no outbox read.
	if redelivered && h.cfg.Store != nil {
		found, err := h.waiting(id)
		if errors.Is(err, outbox.ErrLocked) {
			return h.lockedPause(ctx, id, "its stored callback", err)
		}
		if found {
			h.log.Info("terminal callback already in the outbox; message acknowledged without running the inject again",
				injectField(ctx, id), zap.String("outbox", h.cfg.Store.Path()))
			h.forgetStarts(id)
			h.signal()
			return nil
		}
	}
	waited := false
	if !redelivered {
		// A first delivery is counted where claim decides whether it
		// waits for another copy in flight: one that waits was sent again.
		count := func(again bool) { h.received(d, again, injector) }
		if endFlight, waited, err = h.claim(ctx, id, d.Lost, count); err != nil {
			return err
		}
	}
	ctx, letGo, release, err := h.holdOrReserve(ctx, id, !redelivered) // the note read below rides on the hold
	defer letGo()
	if err != nil {
		return err
	}
	if release != nil {
		defer release()
	}
	if !redelivered {
		if sent, err := h.sentRecently(ctx, id, false, nil); sent || err != nil {
			return err
		}
	}
	if waited {
		h.reopenAfterWait(ctx, id)
	}
	if release == nil {
		if ctx, release, err = h.reserve(ctx, id); err != nil {
			return err
		}
		defer release()
	}
	joined := false
	var status string
	var statusErr error
	if redelivered {
		// It waits for the handling in flight and takes its outcome (the
		// processor logs the wait), before anything acknowledges it: that
		// handling may hold its result unsent (see unstored).
		var running *flight
		endFlight, running = h.cfg.Processor.flights.claim(id)
		joined = running != nil
		if !joined {
			var in InjectState
			in, statusErr = h.cfg.Processor.profile.client.InjectState(ctx, id)
			if err := h.stateRefused(id, injector, statusErr); err != nil {
				return err
			}
			status = in.Status
			finished := statusErr == nil && in.finished() // InjectFinished
			if finished {
				h.log.Info(copyName(d)+" of a finished inject: acknowledged, not run again",
					injectField(ctx, id), zap.String("status", status), recognisedBy(by))
				h.forgetStarts(id)
			}
			if held, err := h.copyHeld(ctx, id, in, statusErr, finished); held || err != nil {
				return err
			}
		}
		ctx = Redelivered(ctx)
	}
	switch {
	case !redelivered && h.cfg.Store != nil:
		// A first delivery runs whatever its inject's earlier starts
		// were: its start is recorded while its reception and trace are
		// posted, durable before the run all the same (see startFirst).
		var end func()
		ctx, end = withStartEnd(h.startFirst(ctx, id, letGo))
		defer end()
	case !joined:
		// Recorded before the run: a process ending during it (a panic in
		// a goroutine of the injector) is counted (see startRun).
		end, unfinished := h.startRun(ctx, id, redelivered)
		if unfinished > 0 {
			return h.unfinished(ctx, id, injector, unfinished)
		}
		ctx, end = withStartEnd(ctx, end)
		defer end()
		letGo()
		if redelivered {
			// Said once the platform took the reception, as the inject
			// runs: a handling that fails before (its targets not listed,
			// the reception refused) runs nothing.
			rctx := ctx
			ctx = onReceived(ctx, func() { h.runAgain(rctx, id, d, by, status, statusErr) })
		}
	}
	// The signature types, the assets' agents and the run mark also reach
	// a result sent unstored (see unstored).
	ctx, superseded := noteSuperseded(noteRunMark(noteAgents(withSignatureTypes(ctx, m))))
	if !joined {
		ctx = context.WithValue(ctx, markClaimed, true)
	}
	err = h.cfg.Processor.processMessage(ctx, m, true)
	if sp := (*startPanic)(nil); errors.As(err, &sp) {
		panic(sp) // in the worker: the daemon recovers it (see startFirst)
	}
	if joined {
		// The outcome of the handling it waited for, settled and counted
		// there (a result not delivered held there: see unstored).
		return err
	}
	if handled, uerr := h.unstored(ctx, id, injector, err); handled {
		return uerr
	}
	if err == nil && superseded.Load() {
		return nil // no terminal callback of this run: not completed
	}
	return h.settle(ctx, id, injector, err)
}

// HandleOversize names a message the daemon rejects for its size by the
// inject id its first bytes hold, without decoding the message, and sends
// that inject's reception and terminal INVALID_USAGE, so that it does not
// stay queued on the platform for ever. A head naming no valid inject id
// sends nothing. The message is counted received (a first delivery) and
// failed, as a malformed one is.
func (h *Handler) HandleOversize(ctx context.Context, head serve.Delivery, size, limit int64) string {
	h.received(head, head.Redelivered, "")
	defer h.cfg.Metrics.InjectFailed("")
	id := headInjectID(head.Body)
	if id == "" {
		return ""
	}
	h.cfg.Processor.logReceived(ctx, id, "", "")
	reason := fmt.Sprintf("message of %d bytes, more than the max message size of %d bytes (max_message_size): not read", size, limit)
	me := &MessageError{InjectID: id, Reason: reason, Err: errors.New(reason)}
	if err := h.cfg.Processor.refuse(Dispatched(ctx), runtime.Request{InjectID: id, CallerLogs: true}, me); !errors.Is(err, me) {
		h.log.Warn("oversized message: the inject's INVALID_USAGE not delivered", injectField(ctx, id), zap.Error(err))
	}
	return id
}

// MessageKey names a message by its inject id for the daemon's log lines
// ("" when it names none), and returns the message ParseMessage decoded,
// which HandleDelivery then takes (Delivery.Decoded) instead of decoding
// the body again. A message ParseMessage refuses is named by its
// injection.inject_id alone, or, when it is not JSON, by the one its first
// bytes hold; nothing decoded is returned.
func (h *Handler) MessageKey(body []byte) (string, any) {
	m, err := ParseMessage(body)
	if err != nil {
		return injectIDOf(body), nil
	}
	return m.Injection.InjectID, m
}

// received counts an inject received for the first time: a redelivery
// is counted in injectkit_redeliveries_total, unless the daemon returned
// its message to the queue unhandled (Returned): handled for the first
// time now. A message without the broker's redelivered flag that this
// process recognises as sent again (redelivered, see sentBefore) is
// counted there too, here (the daemon counts the flag).
func (h *Handler) received(d serve.Delivery, redelivered bool, injector string) {
	switch {
	case !redelivered || d.Returned && d.Redelivered:
		h.cfg.Metrics.InjectReceived(injector)
	case !d.Redelivered:
		h.cfg.Metrics.Redelivery()
	}
}

type receivedKey struct{}

// onReceived returns ctx whose inject's reception, once the platform took
// it, calls f (see Profile.Received): what is said of an inject that runs
// is said only when it does.
func onReceived(ctx context.Context, f func()) context.Context {
	return context.WithValue(ctx, receivedKey{}, f)
}

// receivedNow calls the function onReceived put in ctx, if any.
func receivedNow(ctx context.Context) {
	if f, ok := ctx.Value(receivedKey{}).(func()); ok {
		f()
	}
}

func (h *Handler) signal() {
	if h.cfg.Wake == nil {
		return
	}
	select {
	case h.cfg.Wake <- struct{}{}:
	default:
	}
}
