package serve

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"
)

// A message's handling holds a worker (one of Daemon.Workers: an
// execution slot) from its start; once its Handler says that only the
// delivery of its result is left (Executed), the daemon moves it to a
// delivery slot (one of Daemon.DeliverySlots), waiting for one while
// every one is held, and frees its worker for the next message. The
// handling goes on in the same goroutine to its end: its result stored,
// posted, its message settled; nothing of it changes but the slot it
// holds. A handling the daemon runs again (a transient failure) takes a
// worker back first, unless the shutdown starts or its channel closes
// while it waits for one (see toWorker).
//
// A result must not wait for a delivery slot before it is stored: its
// message, unacknowledged meanwhile, goes back to the broker when the
// daemon is killed (SIGKILL, the OOM killer, a host lost), and another
// daemon runs the inject a second time. A Handler that stores its result
// before posting it (an outbox) says so with ExecutedStoring: a free
// slot is taken at once, else the handling keeps its worker through the
// store, and waits for a slot once the result is stored and its message
// acknowledged (Stored).

// Slot kinds a job holds.
const (
	slotWorker = iota
	slotDelivery
	slotNone // released: the job is settled
)

// stage is the slot of one job, shared by the goroutines of its handling.
type stage struct {
	mu   sync.Mutex
	slot int
	// deferred: ExecutedStoring found every delivery slot held, and the
	// handling, keeping its worker, waits for one once its result is
	// stored (Stored).
	deferred bool
}

type stageKey struct{}

// Executed tells the daemon that the handling of ctx's message (a
// Handler's context, or one derived from it) has run its inject and only
// delivers its result from now on: the message's worker is freed for the
// next message once a delivery slot is free (see Daemon.DeliverySlots),
// while the handling goes on, holding that slot, to its end; the message
// is settled, as before, once the Handler returns. Executed returns once
// the worker is freed, at once when the daemon has no delivery slots,
// when ctx is not a Handler's, or after the first call of a handling that
// freed its worker. It returns without freeing the worker, the handling
// going on holding it, once ctx is done (a later call may still free it)
// or the shutdown starts: no message is taken any more, so the result is
// delivered, and stored, now, not after the deliveries holding the
// slots, which the shutdown timeout may cut short, its message then
// requeued with its result not stored.
//
// It returns ErrRequeued, and frees nothing, once the shutdown timeout
// returned the message to the queue while its inject was still running:
// the inject runs again, in full, where the message is taken, so this
// run's result (cut short, or late) is dropped, neither stored nor sent,
// and the Handler returns the error. Once Executed returned nil, the
// result's delivery has begun and is not dropped: the shutdown settles
// the message as before, acknowledged once the result is kept (see
// Abandoner). Which comes first is decided in one place (see fate.go).
func Executed(ctx context.Context) error { return executed(ctx, true) }

// ExecutedStoring is Executed for a Handler that stores its result
// durably before it posts anything of it, and calls Stored once it is
// stored (openaev's, through its outbox): a free delivery slot is taken
// at once, freeing the worker, but none is waited for before the store.
// While every one is held the handling keeps its worker through the
// store, and Stored, once the message is acknowledged, waits for a slot
// before the POSTs. So no result waits unstored, its message
// unacknowledged, for a slot that deliveries to a slow or unreachable
// platform hold for minutes: a daemon killed meanwhile would leave the
// message to the broker, and another daemon would run the inject again.
// It returns what Executed does.
func ExecutedStoring(ctx context.Context) error { return executed(ctx, false) }

// executed is Executed, waiting for a delivery slot, or ExecutedStoring
// (see toDelivery).
func executed(ctx context.Context, wait bool) error {
	j, ok := ctx.Value(stageKey{}).(*staged)
	if !ok {
		return nil
	}
	if !j.j.delivering() {
		return fmt.Errorf("inject %q: %w", j.j.name(), ErrRequeued)
	}
	if j.r.delivery != nil {
		j.r.toDelivery(ctx, &j.j.stage, wait)
	}
	return nil
}

// ErrRequeued is what Executed returns once the shutdown returned the
// message to the queue before the inject's result was to be delivered:
// the result must be neither stored nor sent. A Handler returns it (or an
// error wrapping it); the daemon says so in one WARN line.
var ErrRequeued = errors.New("the shutdown timeout returned the message to the queue while it was handled: " +
	"what this handling would deliver is dropped, neither stored nor sent; the message is handled again where it is taken")

// staged is what a Handler's context carries for Executed.
type staged struct {
	r *runner
	j *job
}

// withStage returns ctx carrying j for Executed.
func (r *runner) withStage(ctx context.Context, j *job) context.Context {
	return context.WithValue(ctx, stageKey{}, &staged{r: r, j: j})
}

// toDelivery moves a job holding a worker to a delivery slot, waiting
// for one, then frees its worker; it leaves the job with its worker when
// ctx is done or the shutdown starts first (see Executed). Unless wait,
// it waits for none: while every slot is held the job keeps its worker,
// deferred until its result is stored (see ExecutedStoring).
func (r *runner) toDelivery(ctx context.Context, st *stage, wait bool) {
	st.mu.Lock()
	defer st.mu.Unlock()
	if st.slot != slotWorker || ready(r.stopping) {
		return
	}
	if !wait {
		select {
		case r.delivery <- struct{}{}:
			st.slot = slotDelivery
			<-r.slots
		default:
			st.deferred = true
		}
		return
	}
	select {
	case r.delivery <- struct{}{}:
	case <-r.stopping:
		return
	case <-ctx.Done():
		return
	}
	st.slot = slotDelivery
	<-r.slots
}

// afterStore moves a job whose result is stored, its message
// acknowledged, to a delivery slot, waiting for one, when ExecutedStoring
// left it with its worker (see toDelivery).
func (r *runner) afterStore(ctx context.Context, st *stage) {
	st.mu.Lock()
	deferred := st.deferred
	st.deferred = false
	st.mu.Unlock()
	if deferred {
		r.toDelivery(ctx, st, true)
	}
}

// toWorker moves a job holding a delivery slot back to a worker, before
// its handling runs again, and reports whether it runs again: the
// delivery slot is freed first, so that a handling waiting in toDelivery
// for one never waits on this one. While it waits for a worker it
// watches what retryAfter watched: once the shutdown starts the message
// is returned to the queue, and once its channel closes the broker has
// taken it back; either way it is not handled again here (the inject
// would run after the shutdown began, or beside the broker's copy).
func (r *runner) toWorker(j *job) bool {
	st := &j.stage
	st.mu.Lock()
	defer st.mu.Unlock()
	st.deferred = false // the next run says it again
	if st.slot != slotDelivery {
		return true
	}
	<-r.delivery
	st.slot = slotNone
	if !ready(r.stopping) && !ready(j.closed()) {
		select {
		case r.slots <- struct{}{}:
			st.slot = slotWorker
			return true
		case <-r.stopping:
		case <-j.closed():
		}
	}
	if ready(r.stopping) {
		settled, nerr := j.settleAs(OutcomeRequeued, func() error { return j.dl.Nack(false, true) })
		switch {
		case settled && nerr == nil:
			r.metrics.message(OutcomeRequeued)
			j.logger().Info("shutting down: the message waiting to be handled again is returned to the queue")
		case settled:
			r.metrics.message(OutcomeChannelClosed)
		}
		return false
	}
	r.channelClosed(j)
	j.logger().Warn("broker channel closed while the message waited to be handled again; the broker delivers it again")
	return false
}

// release frees the slot a job holds, once it is settled.
func (r *runner) release(st *stage) {
	st.mu.Lock()
	defer st.mu.Unlock()
	switch st.slot {
	case slotDelivery:
		<-r.delivery
	case slotWorker:
		<-r.slots
	}
	st.slot = slotNone
}

// capacity is how many messages the daemon takes at once: its workers
// and its delivery slots (the broker's prefetch; see startConsumer).
func (r *runner) capacity() int { return r.workers + cap(r.delivery) }

// unackedFor is how long a message may stay unacknowledged when a
// handling takes up to handle: that, and with delivery slots as long
// again, the wait for a worker of a message taken while every worker
// runs one (the prefetch is larger than the workers).
func (r *runner) unackedFor(handle time.Duration) time.Duration {
	if r.delivery != nil {
		return 2 * handle
	}
	return handle
}
