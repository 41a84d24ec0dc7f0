package openaev

import (
	"context"
	"errors"
	"fmt"
	"runtime/debug"
	"sync"
	"sync/atomic"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/injectkit/injectkit/runtime"
	"github.com/injectkit/injectkit/serve"
)

// What a Handler does with an inject whose runs end the process: a panic
// in a goroutine its injector started (Go recovers no panic of another
// goroutine: the process exits 2), a kill, the memory exhausted. Its
// message stays unacknowledged, the broker delivers it again after the
// restart, and each run would end the process again, for ever, the next
// messages never handled.
//
//   - With an outbox, each start of an inject is recorded in it before
//     the run, durably, and the record removed once its result is
//     stored (see endStarted) or its message settled (see
//     outbox.Store.StartRun), or once the process closes the
//     outbox while the run goes on (a graceful shutdown returning the
//     message to the queue: not a run ending the process). A start whose
//     process is no longer alive ended unfinished.
//   - A redelivered message of an inject whose runs ended unfinished
//     MaxUnfinishedRuns times is not run again: the platform gets its
//     terminal callback, ERROR, saying so (an *UnfinishedError), the
//     message is acknowledged (kept in the outbox when the platform does
//     not take the callback), counted failed, and one ERROR line names the
//     inject. A first delivery of a message runs whatever its inject's
//     earlier starts were; a message whose inject has such starts is not
//     a first delivery, whatever the broker's redelivered flag (see
//     sentBefore).
//   - Without an outbox nothing counts the starts: a quorum queue's
//     delivery limit (x-delivery-limit) is then the only bound.

// MaxUnfinishedRuns is how many runs of an inject may end unfinished (the
// process ended while it ran) before its redelivered message is answered
// with an ERROR instead of a run: the first run, and one more in case the
// process ended for another reason (a host restart).
const MaxUnfinishedRuns = 2

// UnfinishedError is the cause of the terminal ERROR of an inject not run
// again: the process running it ended Runs times before it finished.
type UnfinishedError struct {
	InjectID string
	Runs     int
}

func (e *UnfinishedError) Error() string {
	return fmt.Sprintf("injectkit stopped while running inject %s %d times (the process ended before the inject finished: "+
		"a panic in a goroutine of its injector, a kill, the memory exhausted); not run again", shownID(e.InjectID), e.Runs)
}

// startRun records a start of inject id in the outbox before its run, and
// returns the end of that record, to call once the message is settled;
// redelivered says whether the message may have run before. When the
// inject's runs ended unfinished MaxUnfinishedRuns times already, nothing
// is recorded and unfinished says how many did. Without an outbox nothing
// is recorded; an outbox that fails to record it is logged (WARN) and the
// inject runs all the same.
func (h *Handler) startRun(ctx context.Context, id string, redelivered bool) (end func(), unfinished int) {
	if h.cfg.Store == nil {
		return func() {}, 0
	}
	bound := 0 // a first delivery: earlier starts were of other messages
	if redelivered {
		bound = MaxUnfinishedRuns
	}
	run, crashed, err := h.cfg.Store.StartRun(id, bound)
	if err != nil {
		h.log.Warn("the inject's start not recorded: a process ending while it runs is not counted", injectField(ctx, id), zap.Error(err))
		return func() {}, 0
	}
	if run == nil {
		return func() {}, crashed
	}
	return func() {
		run.End() // the earlier starts that ended unfinished with it
		h.endedUnfinished(id)
	}, 0
}

// startFirst records the start of a first delivery of inject id (see
// startRun) in a goroutine of its own, so that the commit making it
// durable overlaps the posts of the inject's reception and trace instead
// of preceding them: a worker otherwise waits for two commits of the
// outbox one after the other, its start's and its terminal callback's.
// The run still follows the record: Profile.Received waits for it (see
// startedNow) once the trace is posted, before it returns, and a handling
// that ends before (its reception refused) waits for it in end. letGo,
// the hold of the outbox file the room check took, is called once the
// record is committed. It returns ctx carrying that wait, and the end of
// the record, to call once the message is settled.
//
// A panic recording the start, outside the worker and so outside the
// daemon's recover, is recovered there: the inject does not run
// (startedNow returns it as a *startPanic, which HandleDelivery raises
// again in the worker), or end raises it, so that the daemon handles it
// as a panic of the handling.
func (h *Handler) startFirst(ctx context.Context, id string, letGo func()) (context.Context, func()) {
	st := &startRecord{recorded: make(chan struct{}), end: func() {}}
	go func() {
		defer close(st.recorded)
		defer letGo()
		defer func() {
			if v := recover(); v != nil {
				st.panicked = &startPanic{value: v, stack: debug.Stack()}
			}
		}()
		st.end, _ = h.startRun(ctx, id, false) // a first delivery: nothing unfinished
	}()
	return context.WithValue(ctx, startedKey{}, st), func() {
		if p := st.wait(); p != nil {
			panic(p)
		}
		st.end()
	}
}

// startRecord is a first delivery's start being recorded (see
// startFirst).
type startRecord struct {
	recorded chan struct{} // closed once recorded, or its recording panicked
	end      func()
	panicked *startPanic
	told     atomic.Bool // the panic was returned or raised once
}

// wait waits for the record and returns the panic recording it, once.
func (st *startRecord) wait() *startPanic {
	<-st.recorded
	if st.panicked != nil && st.told.CompareAndSwap(false, true) {
		return st.panicked
	}
	return nil
}

// startPanic is a panic recording a first delivery's start, raised again
// in the worker handling it. It logs as its value and the stack of the
// goroutine that panicked.
type startPanic struct {
	value any
	stack []byte
}

func (p *startPanic) Error() string {
	return fmt.Sprintf("recording the inject's start: %v", p.value)
}

func (p *startPanic) MarshalLogObject(enc zapcore.ObjectEncoder) error {
	enc.AddString("value", fmt.Sprint(p.value))
	enc.AddByteString("stack", p.stack)
	return nil
}

// startEnd is the end of the record of a run's start, once: when its
// result is stored (see endStarted) or, at the latest, once its message
// is settled.
type startEnd struct {
	once sync.Once
	end  func()
}

// startEndKey is the context key of a run's *startEnd.
type startEndKey struct{}

// withStartEnd returns ctx carrying end, the end of the record of its
// run's start, and end made to run once (see endStarted).
func withStartEnd(ctx context.Context, end func()) (context.Context, func()) {
	se := &startEnd{end: end}
	return context.WithValue(ctx, startEndKey{}, se), func() { se.once.Do(se.end) }
}

// endStarted ends the record of the start of ctx's run once its result
// is stored: its message is acknowledged then (serve.Stored), and a
// process ending while it posts the result ended no run. Ended only once
// the message was settled, a daemon killed while it posted (the platform
// slow, or down and the tries going on) left a start the outbox counted
// as a run ended unfinished, for an inject that finished: one more, and
// a redelivery of its message was answered ERROR.
func endStarted(ctx context.Context) {
	if se, ok := ctx.Value(startEndKey{}).(*startEnd); ok {
		se.once.Do(se.end)
	}
}

// startedKey is the context key of the wait for a first delivery's start
// record (see startFirst).
type startedKey struct{}

// startedNow waits for the start record of the inject ctx runs, when a
// first delivery's record is still being committed (see startFirst); a
// panic recording it is returned (a *startPanic): the inject does not
// run.
func startedNow(ctx context.Context) error {
	if st, ok := ctx.Value(startedKey{}).(*startRecord); ok {
		if p := st.wait(); p != nil {
			return p
		}
	}
	return nil
}

// unfinished answers a redelivered message of inject id whose runs ended
// unfinished n times: its terminal ERROR instead of a run, delivered or
// kept in the outbox, and the message acknowledged; when neither, the
// message is handled again later (and answered the same way).
func (h *Handler) unfinished(ctx context.Context, id, injector string, n int) error {
	cause := &UnfinishedError{InjectID: id, Runs: n}
	// Not a run: the reception's answer showing an earlier run's
	// "complete" is not said as one running again (see Profile.earlier).
	h.cfg.Processor.Reopened(id)
	h.log.Error("inject not run again: injectkit stopped while running it; its terminal callback is ERROR",
		injectField(ctx, id), zap.String("injector", injector), zap.Int("unfinished_runs", n))
	err := h.cfg.Processor.rt.Reject(ctx, runtime.Request{InjectID: id, Injector: injector, CallerLogs: true}, cause)
	var se *runtime.StoredError
	if err == nil || errors.As(err, &se) && se.Pending > 0 {
		h.forgetStarts(id)
	}
	if err == nil {
		h.cfg.Metrics.InjectFailed(injector)
		return nil
	}
	return h.settle(ctx, id, injector, err)
}

// forgetStarts removes the starts of inject id that ended unfinished,
// once its message is settled without a run.
func (h *Handler) forgetStarts(id string) {
	if h.cfg.Store != nil {
		h.cfg.Store.ForgetStarts(id)
		h.endedUnfinished(id)
	}
}

// runAgain logs that a message that may have been handled before runs
// its inject (its reception taken): the platform does not say it finished (status), or its
// status could not be read (err). d.Retries > 0: this daemon handles it
// again after its handling failed (nothing of it ran); else d.Pauses >
// 0: it was kept through a pause of the consumption, which stopped its
// handling before anything ran (no failure), a handling by another
// consumer before it only when the broker flagged it
// (d.BrokerRedelivered); else the broker redelivered it, or, unflagged,
// this process recognised it by what by says (see sentBefore).
func (h *Handler) runAgain(ctx context.Context, id string, d serve.Delivery, by, status string, err error) {
	log := h.log.With(injectField(ctx, id))
	// copyName's, written out: doccheck reads the texts a variable is
	// given, not a call's.
	what, copied := "redelivered message", true
	if !d.Redelivered {
		what = "message sent again"
	}
	switch {
	case d.Retries > 0:
		what, copied = "message handled again after its handling failed", false
		log = log.With(zap.Int("attempt", d.Retries+1))
	case d.Pauses > 0 && d.BrokerRedelivered: // another consumer may have run it
		what, copied = "redelivered message kept through a pause of the consumption", false
		log = log.With(zap.Int("pauses", d.Pauses))
	case d.Pauses > 0:
		what, copied = "message kept through a pause of the consumption (not run before)", false
		log = log.With(zap.Int("pauses", d.Pauses))
	case by != "":
		log = log.With(recognisedBy(by))
	}
	unfinished := what + ", the inject unfinished: running it"
	if copied {
		unfinished = what + " of an unfinished inject: running it"
	}
	if err != nil {
		log.Warn(what+": the inject's status cannot be read; running it", zap.Error(err))
		return
	}
	if Finished(status) { // InjectState.Unreported: finished without a run's result
		log.Warn(what+" of an inject the platform finalized without a result (its pending sweep: no complete trace): running it",
			zap.String("status", status))
		return
	}
	log.Info(unfinished, zap.String("status", status))
}

// copyName names, in its lines, a message handled as one that may have
// been handled before: "redelivered message" when it was flagged so (by
// the broker, or by the daemon handling it again), "message sent again"
// when this process recognised it unflagged (see sentBefore: a message
// the platform published twice is one too).
func copyName(d serve.Delivery) string {
	if d.Redelivered {
		return "redelivered message"
	}
	return "message sent again"
}

// recognisedBy is the field saying what recognised an unflagged message
// as one sent again (by, see sentBefore); none for a flagged one.
func recognisedBy(by string) zap.Field {
	if by == "" {
		return zap.Skip()
	}
	return zap.String("recognised_by", by)
}
