package serve

import (
	"context"
	"errors"
	"sync"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"
	"go.uber.org/zap"
)

// The pauses of the consumption: the platform refuses the token (see
// authState: a registration ends it), or the Handler cannot take messages
// for now (a PauseError: its Wait ends it). While paused the daemon stays
// connected to the broker with its consumer cancelled, and consumes again
// on the same channel when every pause has ended.

// hold is the pause a Handler asked for with a PauseError.
type hold struct {
	mu      sync.Mutex
	reason  string
	current func() string // the reason now (nil: reason)
	done    chan struct{} // non-nil while held; closed when the hold ends
}

// start holds the consumption for pe's reason; it reports false when it
// is already held.
func (h *hold) start(pe *PauseError) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.done != nil {
		return false
	}
	h.reason, h.current, h.done = pe.Reason, pe.Current, make(chan struct{})
	return true
}

// now returns the reason of the hold as it is now ("" when none): its
// PauseError's Current, called outside the lock, or its Reason.
func (h *hold) now() string {
	h.mu.Lock()
	reason, current := h.reason, h.current
	h.mu.Unlock()
	if reason == "" || current == nil {
		return reason
	}
	if now := current(); now != "" {
		return now
	}
	return reason
}

// end ends the hold. It returns the channel of the hold's end (nil when
// none), which the caller closes once the end is said (see syncPaused), so
// that a waiter woken by it finds the line "consumption resumed" written.
func (h *hold) end() chan struct{} {
	h.mu.Lock()
	defer h.mu.Unlock()
	done := h.done
	h.reason, h.current, h.done = "", nil, nil
	return done
}

// endHold ends the hold of a PauseError whose Wait returned: the end is
// said, then the waiters of the hold woken.
func (r *runner) endHold() {
	done := r.hold.end()
	r.syncPaused()
	if done != nil {
		close(done)
	}
}

// state returns the reason of the hold ("" when none) and the channel
// closed when it ends (nil when none).
func (h *hold) state() (reason string, done <-chan struct{}) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.done == nil {
		return "", nil
	}
	return h.reason, h.done
}

// failedBefore reports whether the message was redelivered by the broker
// or its handling failed before: a pause is no failure.
func (j *job) failedBefore() bool { return j.dl.Redelivered || j.retried > 0 }

// again counts the handling that ended with err, its message handed to
// the Handler again.
func (j *job) again(err error) {
	if pe := (*PauseError)(nil); errors.As(err, &pe) {
		j.pauses++
		return
	}
	j.retried++
}

// requestPause asks the consume loop to stop consuming; a request made
// between two sessions is seen by the next one.
func requestPause(ch chan<- struct{}) {
	select {
	case ch <- struct{}{}:
	default:
	}
}

// syncPaused sets injectkit_consumption_paused from the pauses. It is
// called after every change of them, under pauseMu, so the last call
// sets the gauge from the last state whatever the order of the callers.
// The end of a pause is said here, once, whichever pause ended last (the
// start of each is said where it begins): INFO "consumption resumed",
// with how long the consumption was paused and the reason it began with.
func (r *runner) syncPaused() {
	r.pauseMu.Lock()
	defer r.pauseMu.Unlock()
	_, authPaused := r.auth.state()
	reason, _ := r.hold.state()
	paused := authPaused || reason != ""
	defer r.metrics.setPaused(paused) // after the line: a reader of the gauge finds it
	switch {
	case paused && r.pausedSince.IsZero():
		r.pausedSince, r.pausedWhy = time.Now(), reason
		if authPaused {
			r.pausedWhy = r.auth.why()
		}
	case !paused && !r.pausedSince.IsZero():
		d := time.Since(r.pausedSince)
		r.log.Info("consumption resumed after "+d.Round(time.Millisecond).String()+" paused",
			zap.String("reason", r.pausedWhy), zap.Duration("paused_for", d))
		r.pausedSince, r.pausedWhy = time.Time{}, ""
	}
}

// paused keeps the job of a Handler's PauseError: nothing ran, and the
// consumption stops until the Handler's Wait returns. Its message is not
// returned to the broker, whose queue may drop it after a delivery limit
// (a quorum queue's) when pauses repeat: its worker keeps it
// unacknowledged and hands it to the Handler again once every pause has
// ended. It reports whether the worker does (not when the shutdown
// started or the channel closed meanwhile).
func (r *runner) paused(j *job, pe *PauseError, log *zap.Logger) (again bool) {
	started := r.hold.start(pe)
	if !started {
		log.Info("message kept, not handled: the consumption is paused; handled again when it resumes", zap.String("reason", pe.Reason))
		return r.retryAfter(j, 0, true, log)
	}
	r.syncPaused()
	requestPause(r.pause)
	// Flow control, not a failure: WARN (a refused token is an ERROR).
	r.log.Warn("consumption paused: "+pe.Reason+"; the messages it stopped are kept and handled again when it clears",
		zap.String("reason", pe.Reason), zap.Error(pe.Err))
	go func() {
		if err := pe.Wait(r.ctx); err != nil {
			return // stopping
		}
		r.endHold()
	}()
	return r.retryAfter(j, 0, true, log)
}

// pausedAtStart holds the consumption for pe from the start (see
// Daemon.StartPaused), nothing consumed yet, until pe's Wait returns: it
// reports true then, false when ctx ended first. One WARN says the pause;
// its end is said as any pause's (see syncPaused).
func (r *runner) pausedAtStart(ctx context.Context, pe *PauseError) bool {
	r.hold.start(pe)
	_, done := r.hold.state()
	r.syncPaused()
	r.log.Warn("consumption not started: "+pe.Reason+"; the daemon registers, and consumes once this clears",
		zap.String("reason", pe.Reason), zap.Error(pe.Err))
	go func() {
		if err := pe.Wait(ctx); err != nil {
			return // stopping
		}
		r.endHold()
	}()
	select {
	case <-done:
		return true
	case <-ctx.Done():
		return false
	}
}

// pauseEnd returns the channel closed when a pause of the consumption
// ends, nil when the consumption is not paused.
func (r *runner) pauseEnd() <-chan struct{} {
	if ch := r.auth.resumed(); ch != nil {
		return ch
	}
	_, ch := r.hold.state()
	return ch
}

// pauseReason is the /healthz reason of a pause, as it is now, "" when
// not paused.
func (r *runner) pauseReason() string {
	if _, paused := r.auth.state(); paused {
		return r.auth.why()
	}
	return r.hold.now()
}

// stoppedConsuming logs, at INFO (the pause was logged when it began),
// that the consumption of s stops for a pause, and the reason it began
// with.
func (r *runner) stoppedConsuming(s *session) {
	r.log.Info("stopped consuming until the pause ends: "+r.pauseCause(), zap.String("queue", s.reg.Queue),
		zap.String("consumer", s.tag))
}

// pauseCause is the reason a pause of the consumption began with (a
// PauseError's Reason, not its Current: the state now may say it is
// ending), "" when not paused.
func (r *runner) pauseCause() string {
	if _, paused := r.auth.state(); paused {
		return r.auth.why()
	}
	reason, _ := r.hold.state()
	return reason
}

// endResumed ends a pause: consume again on the same session.
const endResumed endReason = -1

// waitResume waits, while the consumption is paused, until every pause
// has ended (endResumed), ctx is done (endStop), the session's connection
// is lost or its channel closed (endLost: the broker's close of the
// channel, a message kept past its consumer_timeout, is said with its
// reason, as when consuming) or the registration changed (endChanged).
func (r *runner) waitResume(ctx context.Context, s *session) endReason {
	for {
		ch := r.pauseEnd()
		if ch == nil {
			return endResumed // said by syncPaused
		}
		select {
		case <-ctx.Done():
			return endStop
		case err := <-s.closed:
			r.pausedSessionEnded(s, err, true)
			return endLost
		case <-s.chClosed:
			r.pausedSessionEnded(s, nil, false)
			return endLost
		case <-r.changed:
			if r.registration() != s.reg {
				return endChanged
			}
		case <-ch:
		}
	}
}

// pausedSessionEnded says why the session s ended while paused: the
// broker closed its channel (a message kept past its consumer_timeout:
// 406 PRECONDITION_FAILED), said with the broker's reason even when the
// connection's loss followed at once (RabbitMQ 3.10 closes it, 504
// CHANNEL_ERROR, on the client's close-ok), or the connection was lost
// (connErr, read from s.closed when connRead).
func (r *runner) pausedSessionEnded(s *session, connErr *amqp.Error, connRead bool) {
	var chErr *amqp.Error
	if connRead {
		select {
		case chErr = <-s.chErr:
		default:
		}
	} else {
		chErr = channelReason(s)
	}
	if !connRead {
		select {
		case connErr, connRead = <-s.closed:
		default:
		}
	}
	// A connection's loss closes its channels with its own error: the
	// channel's close is the broker's own when its error is another.
	if chErr != nil && (!connRead || connErr == nil || chErr.Code != connErr.Code || chErr.Reason != connErr.Reason) ||
		chErr == nil && !connRead {
		r.channelClosedBy(s, chErr)
		return
	}
	r.lost(s, "broker connection lost while paused", connErr)
}

// channelReason is the broker's close of the channel of s, nil when it
// gave none, once the channel has closed. The client library tells the
// channel's NotifyClose listeners one after the other, chErr after
// chClosed (which woke waitResume), and closes them all once told: the
// reason is waited for until the channel is gone (s.gone, told last),
// not read as it stands, which on a loaded machine said the broker's 406
// without its reason.
func channelReason(s *session) *amqp.Error {
	select {
	case err := <-s.chErr:
		return err
	case <-s.gone:
		select {
		case err := <-s.chErr:
			return err
		default:
			return nil
		}
	}
}

// consumeAgain starts a new consumer on the channel of s after a pause
// and consumes.
func (r *runner) consumeAgain(ctx context.Context, s *session) endReason {
	if r.registration() != s.reg {
		return endChanged
	}
	s.tag = consumerTag(r.name, r.seq.Add(1))
	if err := r.startConsumer(ctx, s); err != nil {
		if ctx.Err() != nil {
			return endStop
		}
		r.log.Warn("consume again after the pause", zap.String("queue", s.reg.Queue), zap.Error(brokerText(err, s.red)))
		return endLost
	}
	s.consuming = true
	r.log.Info("consuming", zap.Stringer("broker", s.reg.Broker), zap.String("queue", s.reg.Queue),
		zap.Int("prefetch", r.prefetchOf(s.tag)), zap.String("consumer", s.tag))
	return r.consume(ctx, s)
}
