package serve

import (
	"errors"
	"fmt"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"
	"go.uber.org/zap"
)

// job is one message in flight; it is settled (acked, rejected or
// requeued) exactly once.
type job struct {
	dl   amqp.Delivery
	sess *session
	once sync.Once
	// returned: a redelivery of a message returned unhandled (unhandled)
	returned bool
	// retried counts its worker's handlings again after a failure (a
	// transient one, or a refused token); pauses, after a pause that
	// stopped its handling before anything ran (a PauseError): not a
	// failure.
	retried, pauses int
	// key names the message (its inject id), set by its worker before it
	// is handled; the shutdown reads it.
	key atomic.Pointer[string]
	// log is the worker's logger of the message: its delivery and its key,
	// built from base at its first line (see logger); most messages have
	// none.
	log, base *zap.Logger
	// decoded is what the Handler's MessageKey decoded the body into,
	// handed to its first handling (Delivery.Decoded), nil after it.
	decoded any
	// started is when its worker last handed the message to the Handler
	// (or began to name an oversized one).
	started time.Time
	// refusedAs names the message in the record of refusals (see
	// refusedID), "" before the platform refused it.
	refusedAs string
	// outcome is how the message was settled (OutcomeAcked or
	// OutcomeRequeued, by settleAs), nil before.
	outcome atomic.Pointer[string]
	// stage is the slot the message holds: a worker, or, once its
	// Handler said it only delivers, a delivery slot (see Executed).
	stage stage
	// heldSince is when its handling began to hold a result neither
	// delivered nor stored (unix nanoseconds), 0 when it holds none (see
	// HoldingResult).
	heldSince atomic.Int64
	// held is set once its handling held a result (see HoldingResult),
	// and stays set: the shutdown then does not say it is being stored.
	held atomic.Bool
	fate fate // the result's: delivered, or dropped once requeued (fate.go)
	// stored is set once the message was acknowledged, its result stored (see Stored).
	stored atomic.Pointer[storedAck]
	// ended is closed once its worker is done with it, the message
	// settled (see start); nil for a job no worker runs.
	ended chan struct{}
}

// name returns the message's key, "" before its worker named it.
func (j *job) name() string {
	if k := j.key.Load(); k != nil {
		return *k
	}
	return ""
}

// named records the message's key and the logger the job's logger is
// built from (see logger).
func (j *job) named(key string, log *zap.Logger) {
	j.key.Store(&key)
	j.log, j.base = nil, log
}

// logger returns the job's logger, which carries the message's key as
// inject_id, with its delivery; it is built at its first use, by the
// worker, once the job is named.
func (j *job) logger() *zap.Logger {
	if j.log == nil {
		fields := []zap.Field{j.delivery().field(), zap.Bool("redelivered", j.dl.Redelivered),
			zap.Int("body_bytes", len(j.dl.Body))}
		if key := j.name(); key != "" {
			fields = append(fields, zap.String("inject_id", key))
		}
		j.log = j.base.With(fields...)
	}
	return j.log
}

func (j *job) settle(f func() error) (settled bool, err error) {
	j.once.Do(func() {
		settled = true
		err = f()
	})
	return settled, err
}

// settleAs is settle, recording outcome as the job's once f succeeded:
// a settle that finds the job settled already reads it then.
func (j *job) settleAs(outcome string, f func() error) (settled bool, err error) {
	return j.settle(func() error {
		err := f()
		if err == nil {
			j.outcome.Store(&outcome)
		}
		return err
	})
}

// kept reports whether the message was acknowledged (by its worker or,
// its result kept, by the shutdown).
func (j *job) kept() bool {
	o := j.outcome.Load()
	return o != nil && *o == OutcomeAcked
}

// delivery names the job's delivery: its channel's number (0 without a
// session: tests) and its delivery tag.
func (j *job) delivery() delivery {
	d := delivery{tag: j.dl.DeliveryTag}
	if j.sess != nil {
		d.channel = j.sess.channel
	}
	return d
}

// redelivered reports whether the message may have been handled before:
// the broker delivered it before, or its worker handles it again.
func (j *job) redelivered() bool { return j.dl.Redelivered || j.retried > 0 || j.pauses > 0 }

// closed returns the channel closed when the job's broker channel closes
// (nil, never ready, without one).
func (j *job) closed() <-chan *amqp.Error {
	if j.sess == nil {
		return nil
	}
	return j.sess.chClosed
}

// start handles one delivery in a worker of its own: an idle one, else a
// new one (see worker); the caller holds a slot.
// A message whose handling fails transiently is handled again by the same
// worker (see finish) until it is settled.
func (r *runner) start(s *session, dl amqp.Delivery) {
	j := &job{dl: dl, sess: s, returned: dl.Redelivered && r.unhandled.take(dl.Body), ended: make(chan struct{})}
	r.jobsMu.Lock()
	r.jobs[j] = struct{}{}
	r.jobsMu.Unlock()
	r.inflight.Add(1)
	s.wg.Add(1)
	r.metrics.addInFlight(1)
	if dl.Redelivered {
		r.metrics.redelivered()
	}
	fn := func() {
		defer func() {
			close(j.ended)
			r.jobsMu.Lock()
			delete(r.jobs, j)
			r.jobsMu.Unlock()
			r.metrics.addInFlight(-1)
			r.release(&j.stage)
			r.settled(j)
			s.wg.Done()
			r.inflight.Done()
		}()
		j.started = time.Now()
		if n := int64(len(dl.Body)); n > r.maxMessageSize {
			j.named(r.oversize(j), r.log)
			r.deliveredAgain(j, s)
			r.finish(j, tooLarge(n, r.maxMessageSize, j.name()))
			return
		}
		key, decoded := r.messageKey(dl.Body)
		j.decoded = decoded
		j.named(key, r.log)
		r.deliveredAgain(j, s)
		for err := r.handle(j); r.finish(j, err) && r.toWorker(j); err = r.handle(j) {
			j.again(err)
		}
	}
	select {
	case r.idle <- fn:
	default:
		go r.worker(fn)
	}
}

// worker runs fn, then each job start hands it, until the shutdown starts.
// A worker kept for the next message keeps the stack its handling grew,
// where a goroutine of its own would grow one again for each message
// (copying it each time it doubles: 4 % of serve's CPU).
func (r *runner) worker(fn func()) {
	for {
		fn()
		select {
		case fn = <-r.idle:
		case <-r.stopping:
			return
		}
	}
}

// deliveredAgain logs a message a quorum queue delivered before: it
// counts the deliveries, and drops (or dead-letters) the message past its
// delivery limit.
func (r *runner) deliveredAgain(j *job, s *session) {
	if n := deliveryCount(j.dl.Headers); n > 0 {
		j.logger().Warn("message delivered again by the broker", zap.Int64("delivery_count", n), zap.String("queue", s.reg.Queue))
	}
}

// deliveryCount returns the x-delivery-count header of a message (set by
// quorum queues: how often it was delivered before), 0 when absent.
func deliveryCount(h amqp.Table) int64 {
	switch n := h["x-delivery-count"].(type) {
	case int64:
		return n
	case int32:
		return int64(n)
	case int16:
		return int64(n)
	case int8:
		return int64(n)
	case int:
		return int64(n)
	case uint8:
		return int64(n)
	case uint16:
		return int64(n)
	case uint32:
		return int64(n)
	}
	return 0
}

// handle calls the Handler, turning a panic into an error: transient the
// first time, permanent on a message redelivered or handled again after
// a failure, so a message that crashes the handler cannot loop for ever
// (a pause, before which nothing ran, is no failure).
func (r *runner) handle(j *job) (err error) {
	j.started = time.Now()
	defer func() {
		if v := recover(); v != nil {
			j.logger().Error("handler panic", append(panicFields(v), zap.ByteString("stack", debug.Stack()))...)
			err = fmt.Errorf("handler panic: %v", v)
			if j.failedBefore() {
				err = Permanent(err)
			}
		}
	}()
	decoded := j.decoded
	j.decoded = nil // a handling again decodes the body afresh
	j.handled()
	ctx := r.withStage(withDelivery(r.base, j.delivery()), j)
	if dh, ok := r.d.Handler.(DeliveryHandler); ok {
		return dh.HandleDelivery(ctx, Delivery{Body: j.dl.Body, Redelivered: j.redelivered(), BrokerRedelivered: j.dl.Redelivered,
			Retries: j.retried, Pauses: j.pauses,
			Returned: j.returned && j.retried == 0 && j.pauses == 0, Lost: j.sess.ch.IsClosed, Gone: j.sess.gone, Decoded: decoded})
	}
	return r.d.Handler.Handle(ctx, j.dl.Body)
}

// finish settles a job from its handler's result. It reports whether the
// job's worker handles the message again: after a transient failure,
// once the retry delay has passed, unless the shutdown started (the
// message is then requeued) or the job's channel closed meanwhile (the
// broker delivers it again).
func (r *runner) finish(j *job, err error) (again bool) {
	if j.base == nil { // a job its worker did not name (tests)
		j.named(j.name(), r.log)
	}
	if sa := j.stored.Load(); sa != nil {
		return r.finishStored(j, err, sa.err)
	}
	var ue *UnauthorizedError
	var pe *PauseError
	if err == nil || IsPermanent(err) {
		r.retries.forget(j.dl.Body)
	}
	switch {
	case errors.As(err, &ue):
		return r.unauthorized(j, ue, j.logger())
	case errors.As(err, &pe):
		return r.paused(j, pe, j.logger())
	case err == nil:
		r.auth.succeeded()
		r.refusalSettled(j)
		settled, aerr := j.settleAs(OutcomeAcked, func() error { return j.dl.Ack(false) })
		switch {
		case !settled && j.kept():
			// The shutdown acknowledged it, its result kept: nothing to say.
		case !settled:
			j.logger().Warn("handled after the shutdown requeued the message; it will run again")
		case aerr != nil:
			if n, ok := r.d.Handler.(AckLostNoter); ok {
				n.NoteAckLost(j.name())
			}
			r.metrics.message(OutcomeChannelClosed)
			j.logger().Warn(r.lostLine("ack"), zap.Error(aerr))
		default:
			r.metrics.message(OutcomeAcked)
		}
	case IsPermanent(err):
		r.refusalSettled(j)
		settled, rerr := j.settle(func() error { return j.dl.Reject(false) })
		r.rejected(j, err, settled, rerr)
	default:
		var de *DroppedError
		if dropped := errors.As(err, &de); dropped || ready(r.stopping) {
			r.requeueFailed(j, err, dropped)
			return false
		}
		if ready(j.closed()) {
			// Its channel closed: the broker has it back and delivers it
			// again, so it is not kept, nor counted a failure of its body.
			r.channelClosed(j)
			j.logger().Warn("handling ended after the message's channel closed; the broker delivers it again",
				zap.Duration("duration", time.Since(j.started)), zap.Error(err))
			return false
		}
		attempt, delay := r.retries.failed(j.dl.Body, r.requeueDelay)
		r.metrics.handlingRetried()
		log := j.logger()
		log.Warn("handling failed; the message is kept and handled again", zap.Int("attempt", attempt),
			zap.Duration("delay", delay), zap.Duration("duration", time.Since(j.started)), zap.Error(err))
		return r.retryAfter(j, delay, false, log)
	}
	return false
}

// retryAfter waits delay before a job's worker handles its message again,
// then, with untilResumed, until the consumption is no longer paused, and
// reports whether it should: the message stays unacknowledged with this
// worker, never returned to the broker, whose queue may drop it after a
// delivery limit (a quorum queue's). When the shutdown starts the message
// is requeued at once; when its channel closes the broker has taken it
// back and delivers it again.
func (r *runner) retryAfter(j *job, delay time.Duration, untilResumed bool, log *zap.Logger) bool {
	t := time.NewTimer(delay)
	defer t.Stop()
	select {
	case <-t.C:
	case <-r.stopping:
	case <-j.closed():
	}
	for untilResumed && !ready(r.stopping) && !ready(j.closed()) {
		end := r.pauseEnd()
		if end == nil {
			break
		}
		select {
		case <-end:
		case <-r.stopping:
		case <-j.closed():
		}
	}
	switch {
	case ready(r.stopping):
		settled, nerr := j.settleAs(OutcomeRequeued, func() error { return j.dl.Nack(false, true) })
		switch {
		case settled && nerr == nil:
			r.metrics.message(OutcomeRequeued)
			log.Info("shutting down: the message waiting to be handled again is returned to the queue")
		case settled:
			r.metrics.message(OutcomeChannelClosed)
		}
		return false
	case ready(j.closed()):
		r.channelClosed(j)
		log.Warn("broker channel closed while the message waited to be handled again; the broker delivers it again")
		return false
	}
	return true
}

// ready reports whether ch is closed (or holds a value), without waiting.
func ready[T any](ch <-chan T) bool {
	select {
	case <-ch:
		return true
	default:
		return false
	}
}

// channelClosed counts, once, a message its worker leaves unsettled because
// its channel closed (the broker has it back): settled here with nothing
// sent, so that the shutdown, settling the jobs left, does not count it
// again.
func (r *runner) channelClosed(j *job) {
	if settled, _ := j.settle(func() error { return nil }); settled {
		r.metrics.message(OutcomeChannelClosed)
	}
}
