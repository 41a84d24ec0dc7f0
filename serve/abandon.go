package serve

import (
	"slices"
	"time"

	"go.uber.org/zap"
)

// Abandoner is a Handler told when a shutdown stops waiting for the
// messages in flight (ShutdownTimeout passed), so that the message of an
// inject whose result is already kept for a later delivery is
// acknowledged rather than returned to the queue, where another daemon
// would run the inject again.
type Abandoner interface {
	Handler
	// Abandon is called once, at the shutdown timeout: the Handler cuts
	// short the deliveries in flight, keeping their results for a later
	// delivery (an outbox), so that their handlings return soon (within
	// AbandonGrace); the daemon settles each from what it returns.
	Abandon()
	// Kept reports whether the terminal result of the message body is
	// kept for a later delivery (stored in an outbox): its message is
	// acknowledged by a shutdown instead of requeued. It never sends.
	Kept(body []byte) bool
}

// AbandonGrace is how long a shutdown waits, after the shutdown timeout,
// for the handlings an Abandoner cut short to return.
const AbandonGrace = 2 * time.Second

// settleUnfinished settles the messages still in flight at the shutdown
// timeout: an Abandoner's deliveries are cut short first (and their
// handlings awaited up to AbandonGrace, done closed once none is left);
// then a message whose result the Handler keeps is acknowledged, any
// other returned to the queue. It logs which were acknowledged and
// which requeued, each line only when it names one: a message whose
// handling ended meanwhile (its result delivered, its message rejected,
// its acknowledgement lost) was not unfinished, and its own lines said
// what became of it.
func (r *runner) settleUnfinished(done <-chan struct{}) {
	r.jobsMu.Lock()
	jobs := make([]*job, 0, len(r.jobs))
	for j := range r.jobs {
		jobs = append(jobs, j)
	}
	r.jobsMu.Unlock()
	ab, _ := r.d.Handler.(Abandoner)
	if ab != nil {
		r.askKey("handler panic abandoning the deliveries in flight", func() string { ab.Abandon(); return "" })
		t := time.NewTimer(AbandonGrace)
		select {
		case <-done:
		case <-t.C:
		}
		t.Stop()
	}
	kept, requeued, lost := []string{}, []string{}, []string{}
	for _, j := range jobs {
		switch r.settleAtShutdown(j, ab) {
		case OutcomeAcked:
			kept = append(kept, j.name())
		case OutcomeRequeued:
			requeued = append(requeued, j.name())
		case OutcomeChannelClosed:
			lost = append(lost, j.name())
		}
	}
	if len(lost) > 0 {
		fields := append([]zap.Field{zap.Int("lost", len(lost))}, injectIDs(lost)...)
		r.log.Warn("shutdown timeout: the unfinished injects' channel had closed: the broker delivers their messages again, "+
			"unless it restarted meanwhile (it drops a transient message, the OpenAEV platform's, whose inject the platform's "+
			"pending sweep then finalizes)", append(fields, zap.Duration("timeout", r.shutdownTimeout))...)
	}
	if len(kept) > 0 {
		fields := append([]zap.Field{zap.Int("acked", len(kept))}, injectIDs(kept)...)
		r.log.Info("shutdown timeout: acknowledged the unfinished injects whose result is kept for a later delivery",
			append(fields, zap.Duration("timeout", r.shutdownTimeout))...)
	}
	if len(requeued) > 0 {
		fields := append([]zap.Field{zap.Int("requeued", len(requeued))}, injectIDs(requeued)...)
		r.log.Warn("shutdown timeout: requeued the unfinished injects",
			append(fields, zap.Duration("timeout", r.shutdownTimeout))...)
	}
}

// settleAtShutdown settles j at the shutdown timeout, acknowledged when
// ab keeps its result, requeued otherwise (the result of its inject
// dropped if its delivery had not begun: see fate.go), and returns how it was
// settled: by this call, or by its worker (its handling returned during
// the grace: see byWorker); OutcomeChannelClosed when its channel had
// closed (the broker has the message back, or dropped it restarting); ""
// when rejected or not settled.
func (r *runner) settleAtShutdown(j *job, ab Abandoner) string {
	if o := j.outcome.Load(); o != nil {
		return r.byWorker(j, *o, ab)
	}
	keep := r.kept(j, ab)
	if !keep && !j.drop() && ab != nil && j.ended != nil {
		// Its delivery began (see fate.go) and its result is not kept
		// yet: the Handler is storing it, a commit slower than the
		// grace. Requeued now, the inject would run again where the
		// message is taken while this result is stored all the same,
		// and sent later: a second "complete". Its worker settles it
		// once the store answers: acknowledged once kept, requeued when
		// storing failed. Said only when so: a handling that ended
		// meanwhile, or that holds its result (nothing could store it:
		// a full disk, the platform down), has its worker's line alone
		// say what became of it (the Handler drops a held result at
		// Abandon, and the inject runs again), not this one as well.
		if !j.endedYet() && !j.held.Load() {
			j.logger().Info("shutdown timeout: the inject's result is being stored; its message is settled once the store answers")
		}
		<-j.ended
		if o := j.outcome.Load(); o != nil {
			return r.byWorker(j, *o, ab)
		}
		return ""
	}
	// Else requeued: the result of a run still going is dropped when it
	// ends (see fate.go).
	outcome, settle := OutcomeRequeued, func() error { return j.dl.Nack(false, true) }
	if keep {
		outcome, settle = OutcomeAcked, func() error { return j.dl.Ack(false) }
	}
	if settled, err := j.settleAs(outcome, settle); settled {
		if err != nil {
			r.metrics.message(OutcomeChannelClosed) // the broker has it back
			return OutcomeChannelClosed
		}
		r.metrics.message(outcome)
		return outcome
	}
	if o := j.outcome.Load(); o != nil {
		return r.byWorker(j, *o, ab) // settled by its worker meanwhile
	}
	return ""
}

// endedYet reports whether j's worker is done with it.
func (j *job) endedYet() bool {
	select {
	case <-j.ended:
		return true
	default:
		return false
	}
}

// byWorker returns the outcome the shutdown reports of j, which its
// worker settled as outcome: acknowledged, it counts as acknowledged with
// its result kept only when ab keeps it (its delivery cut short by
// Abandon, the result stored); else its handling ended before the
// shutdown settled it, its result delivered, and it is no unfinished
// inject (""), as a message its worker rejected, or whose
// acknowledgement was lost with its channel, is not.
func (r *runner) byWorker(j *job, outcome string, ab Abandoner) string {
	if outcome == OutcomeAcked && !r.kept(j, ab) {
		return ""
	}
	return outcome
}

// kept reports whether ab keeps the result of j's inject for a later
// delivery (see Abandoner.Kept), false without an Abandoner.
func (r *runner) kept(j *job, ab Abandoner) bool {
	return ab != nil && r.askKey("handler panic checking whether a result is kept", func() string {
		if ab.Kept(j.dl.Body) {
			return OutcomeAcked
		}
		return ""
	}) == OutcomeAcked
}

// maxIDsNamed is the most inject ids a line names: a shutdown may leave
// as many in flight as there are workers (up to 1024), each id up to 256
// bytes, a line log pipelines would cut or drop.
const maxIDsNamed = 10

// injectIDs returns the fields naming the non-empty ids, sorted: the
// first maxIDsNamed as inject_ids, how many more as inject_ids_not_named.
func injectIDs(ids []string) []zap.Field {
	out := slices.DeleteFunc(slices.Clone(ids), func(id string) bool { return id == "" })
	slices.Sort(out)
	if len(out) <= maxIDsNamed {
		return []zap.Field{zap.Strings("inject_ids", out)}
	}
	return []zap.Field{zap.Strings("inject_ids", out[:maxIDsNamed]), zap.Int("inject_ids_not_named", len(out)-maxIDsNamed)}
}
