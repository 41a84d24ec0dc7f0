package serve

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"
	"go.uber.org/zap"

	"github.com/injectkit/injectkit/internal/httpx"
)

// session is one broker connection consuming one queue.
type session struct {
	reg        Registration
	conn       *amqp.Connection
	ch         *amqp.Channel
	tag        string
	channel    uint64 // the channel's number in the daemon (see delivery)
	deliveries <-chan amqp.Delivery
	consuming  bool // deliveries is open: stopConsuming has not run since the last Consume
	closed     chan *amqp.Error
	chClosed   <-chan *amqp.Error // closed when the channel closes (the connection's loss included)
	chErr      <-chan *amqp.Error // the broker's close of the channel, read when the session ends (deliveriesEnded, channelReason)
	gone       chan struct{}      // closed once the channel has closed (Delivery.Gone)
	red        *httpx.Redactor    // of the broker's password and Daemon.Secrets, for the broker's texts
	wg         sync.WaitGroup     // this session's messages in flight
	cut        atomic.Bool        // the shutdown closed it without waiting for the broker's answer
	atStop     bool               // its consumer is cancelled by the stop (see stopConsumingAtStop)
	stall      stallCheck         // its connection's check after the daemon's stalls (see heldAcrossStall)
}

type endReason int

const (
	endStop endReason = iota
	endLost
	endChanged
	endPaused // the platform refuses the token or the Handler is full: consume again once it ends (see waitResume)
)

// connect dials the broker, sets the prefetch and starts consuming.
func (r *runner) connect(ctx context.Context, reg Registration) (*session, error) {
	red := httpx.NewRedactor(append(slices.Clone(r.d.Secrets), reg.Broker.Pass)...)
	conn, err := dial(ctx, reg.Broker, r.d.TLSConfig, connectionName(r.name), 30*time.Second)
	if err != nil {
		return nil, brokerText(err, red)
	}
	// Each connection made after the first is a reconnection, counted as
	// it is made: one then lost while it waits for a free worker, or
	// refused its queue, is a connection all the same.
	if r.dialed.Swap(true) {
		r.metrics.reconnected()
	}
	s := &session{reg: reg, conn: conn, red: red,
		tag: consumerTag(r.name, r.seq.Add(1))}
	fail := func(step string, err error) (*session, error) {
		_ = conn.Close()
		return nil, fmt.Errorf("%s on %s: %w", step, reg.Broker, brokerText(err, red))
	}
	if s.ch, err = conn.Channel(); err != nil {
		return fail("open channel", err)
	}
	s.channel = r.channels.Add(1)
	s.chClosed = s.ch.NotifyClose(make(chan *amqp.Error, 1))
	s.chErr = s.ch.NotifyClose(make(chan *amqp.Error, 1))
	s.gone = make(chan struct{})
	go closeWhenClosed(s.ch.NotifyClose(make(chan *amqp.Error, 1)), s.gone)
	s.closed = conn.NotifyClose(make(chan *amqp.Error, 1))
	if err := r.startConsumer(ctx, s); err != nil {
		if lost, ok := err.(*lostWaiting); ok {
			_ = conn.Close()
			return nil, lost // its broker's text redacted already
		}
		return fail("consume queue "+reg.Queue, err)
	}
	s.consuming = true
	return s, nil
}

// queueMissing reports whether err is the broker's 404 NOT_FOUND: the
// queue to consume does not exist (the connection and channel opened).
func queueMissing(err error) bool {
	var ae *amqp.Error
	return errors.As(err, &ae) && ae.Code == amqp.NotFound
}

// consumeLoop connects and consumes, reconnecting with backoff, until ctx
// is done.
func (r *runner) consumeLoop(ctx context.Context, reg Registration) {
	var reregistered time.Time // the loop's last re-registration
	var down outage
	for attempt, sessions := 0, 0; ; {
		if attempt > 0 {
			if !sleep(ctx, r.backoff(attempt)) {
				return
			}
			// Register again: the platform may have moved the queue or the
			// broker while we were away, and creates a missing queue on a
			// registration. At most once per heartbeat interval: each retry
			// to consume a missing queue (every backoff, a second at first)
			// registering would hammer the platform; the heartbeats repeat
			// it every interval. On failure keep the last one.
			if reregistered.IsZero() || time.Since(reregistered) >= r.heartbeatInterval {
				reregistered = time.Now()
				_, _ = r.register(ctx, "re-registration")
			}
		}
		if sessions > 0 || attempt > 0 {
			reg = r.registration()
		}
		s, err := r.connect(ctx, reg)
		if err != nil && ctx.Err() != nil {
			return // stopped while waiting for a free worker: no failure
		}
		if lost := (*lostWaiting)(nil); errors.As(err, &lost) {
			attempt++
			r.lostWhileWaiting(reg, lost)
			continue
		}
		if err != nil {
			attempt++
			msg := "broker connection failed"
			if missing := queueMissing(err); missing {
				queue := reg.Queue
				r.missingQueue.Store(&queue)
				msg = QueueMissingReason(reg.Queue) + "; consuming it once it exists"
			} else {
				r.missingQueue.Store(nil)
			}
			why := err.Error() // the broker without its password (Broker.String), its text redacted (brokerText)
			r.log.Log(down.failed(msg+": "+why, time.Now()), msg, zap.Stringer("broker", reg.Broker),
				zap.String("queue", reg.Queue), zap.Int("attempt", attempt), zap.Error(err))
			r.brokerErr.Store(&why)
			r.setConnected(false) // after a registration change, the last session's state held till now
			continue
		}
		r.missingQueue.Store(nil)
		r.brokerErr.Store(nil)
		// The next outage registers again at its first retry, however
		// soon: a queue deleted again (a consumer cancelled) is created
		// only by a registration, and the platform's messages meanwhile
		// are routed nowhere and lost. The interval bounds the retries
		// of one outage, not the outages.
		reregistered = time.Time{}
		sessions++
		attempt = 0
		r.track(s)
		r.setConnected(true)
		r.log.Info("consuming", append([]zap.Field{zap.Stringer("broker", reg.Broker), zap.String("queue", reg.Queue),
			zap.Int("prefetch", r.prefetchOf(s.tag)), zap.String("consumer", s.tag)}, down.ended(time.Now())...)...)

		why := r.consume(ctx, s)
		for why == endPaused || why == endGrow {
			// Paused: the connection stays (and is reported) up, only the
			// consumer is cancelled; the same channel consumes again. A
			// consumer that may take more (endGrow) is replaced at once.
			r.stopConsuming(s)
			if why == endGrow {
				why = r.consumeAgain(ctx, s)
			} else if why = r.waitResume(ctx, s); why == endResumed {
				why = r.consumeAgain(ctx, s)
			}
		}
		// The state stays connected while the connection is: on a stop
		// until shutdown closes it once the injects in flight are settled
		// (they ack on it) or it is lost meanwhile (watchDrain), on a
		// registration change until the next connection is made or fails.
		if why == endStop {
			r.stopConsumingAtStop(s) // its wait for the broker bounded by shutdown
			r.watching.Add(1)
			go r.watchDrain(s)
			return
		}
		if why != endLost {
			r.stopConsuming(s)
		}
		if why == endLost {
			r.setConnected(false)
			attempt = 1
		}
		// In-flight messages of this session still ack on its channel; close
		// it once they are settled.
		go func() {
			s.wg.Wait()
			r.closeSession(s)
		}()
	}
}

// consume dispatches deliveries to handlers until ctx is done, the
// connection is lost or the registration changes.
func (r *runner) consume(ctx context.Context, s *session) endReason {
	for {
		select {
		case <-ctx.Done():
			return endStop
		case <-r.changed:
			if r.registration() != s.reg {
				return endChanged
			}
		case <-r.pf.grow:
			return endGrow
		case <-r.pause:
			reason := r.pauseReason()
			if reason == "" {
				continue // the pause ended already
			}
			r.stoppedConsuming(s)
			return endPaused
		case err := <-s.closed:
			r.lost(s, connLost, err)
			return endLost
		case dl, ok := <-s.deliveries:
			if !ok {
				r.deliveriesEnded(s)
				return endLost
			}
			if why, ok := r.take(ctx, s, dl); !ok {
				return why
			}
		}
	}
}

// take hands dl to a free worker, waiting for one (the prefetch counts the
// delivery slots too: see Executed), and reports whether the consumption
// goes on, else why it ends. While it waits the loop watches what it
// would: a pause or the shutdown returns the message unhandled, a lost
// connection leaves it to the broker to deliver again.
func (r *runner) take(ctx context.Context, s *session, dl amqp.Delivery) (endReason, bool) {
	// Taken from the broker and not settled: in flight while it waits
	// (from its start on, its job counts it).
	r.metrics.addInFlight(1)
	waiting := true
	defer func() {
		if waiting {
			r.metrics.addInFlight(-1)
		}
	}()
	for {
		if reason := r.pauseReason(); reason != "" {
			// Pushed before the consumer is cancelled (prefetched): back
			// to the queue unhandled.
			if dl.Nack(false, true) == nil {
				r.unhandled.returned(dl.Body, dl.Redelivered)
				r.metrics.message(OutcomeRequeued)
			}
			r.stoppedConsuming(s)
			return endPaused, false
		}
		select {
		case r.slots <- struct{}{}:
			if ctx.Err() == nil && s.conn.IsClosed() {
				<-r.slots
				return 0, true // lost while waiting for a worker: the broker redelivers it
			}
			if ctx.Err() == nil && r.heldAcrossStall(ctx, s) {
				<-r.slots
				return 0, true // given up by the broker while the daemon stood still (see stallWatch)
			}
			if ctx.Err() == nil {
				waiting = false
				r.metrics.addInFlight(-1)
				r.start(s, dl)
				return 0, true
			}
			<-r.slots
		case <-ctx.Done():
		case <-r.pause:
			continue // the pause, if it still holds, is met above
		case err := <-s.closed:
			r.lost(s, connLost, err)
			return endLost, false
		}
		// Shutting down: this one goes back unhandled.
		if dl.Nack(false, true) == nil {
			r.metrics.message(OutcomeRequeued)
		}
		return endStop, false
	}
}

// stopConsuming cancels the consumer and returns the messages the broker
// had already pushed to us, unhandled, to the queue.
func (r *runner) stopConsuming(s *session) {
	if !s.consuming {
		return
	}
	s.consuming = false
	if err := s.ch.Cancel(s.tag, false); err != nil {
		// Not when the shutdown stopped waiting for the answer (it said so),
		// nor at a stop whose connection is gone: watchDrain says the loss.
		if !s.cut.Load() && !(s.atStop && s.conn.IsClosed()) {
			r.log.Warn("cancel consumer", zap.String("consumer", s.tag), zap.Error(brokerText(err, s.red)))
		}
		return
	}
	n := 0
	timeout := time.NewTimer(5 * time.Second)
	defer timeout.Stop()
	for {
		select {
		case dl, ok := <-s.deliveries:
			if !ok {
				if n > 0 {
					r.log.Info("returned prefetched messages to the queue", zap.Int("messages", n))
				}
				return
			}
			if err := dl.Nack(false, true); err == nil {
				n++
				r.unhandled.returned(dl.Body, dl.Redelivered)
				r.metrics.message(OutcomeRequeued)
			}
		case <-timeout.C:
			return
		}
	}
}

// setConnected records the broker connection's state, for /healthz and
// injectkit_broker_connected.
func (r *runner) setConnected(up bool) {
	r.connected.Store(up)
	r.metrics.setConnected(up)
}

func (r *runner) track(s *session) {
	r.jobsMu.Lock()
	r.sessions[s] = struct{}{}
	r.jobsMu.Unlock()
}
