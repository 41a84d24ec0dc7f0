package serve

import (
	"time"

	"go.uber.org/zap"
)

// The shutdown: the consumer's cancel, the wait for the messages in
// flight, their settling, and the close of the broker connections.

// StopGrace bounds how long a stop waits for the broker to answer the
// consumer's cancel, counted from the stop's start, and, once the
// messages in flight are settled, the connection's close. The cancel is
// awaited beside the messages in flight, up to the shutdown timeout, and
// then, if they were settled sooner, until StopGrace since it was sent:
// unanswered then, the connection is closed at once, its close not
// awaited (see shutdown). A broker that answers nothing (a node stopped
// with SIGSTOP, a partition dropping packets: the connection open and
// silent) would otherwise hold the shutdown until the client library
// gives the connection up for lost, its heartbeat's 15 s after the broker
// went silent, or more. Closing without its answer loses nothing: every
// message in flight is settled by then (the acknowledgements and
// requeues written before the close), and the broker returns those it
// has not seen acknowledged to the queue once it reads the connection's
// end. It may return one whose acknowledgement it read just before that
// end, too: RabbitMQ (3.10.8) does when the acknowledgement follows the
// consumer's cancel and the connection ends without its close handshake,
// 2 of 6 stops against a node stopped with SIGSTOP (which reads the
// three at once when it runs again), 1 in 200 with a broker that reads
// them as they come. That message is delivered again, flagged
// redelivered, and handled as any redelivery (see DeliveryHandler): its
// inject, finished on the platform, is not run again.
const StopGrace = 2 * time.Second

// stopConsumingAtStop runs stopConsuming of s beside the shutdown's wait
// for the messages in flight: r.cancelled is closed once it returns.
func (r *runner) stopConsumingAtStop(s *session) {
	done := make(chan struct{})
	r.cancelled, r.cancelledOn, r.cancelSent = done, s, time.Now()
	s.atStop = true
	go func() {
		defer close(done)
		r.stopConsuming(s)
	}()
}

// watchDrain watches the connection of s while a stop drains the
// injects in flight on it: lost meanwhile, the broker is reported
// disconnected then, not once the drain ends. It returns when the
// connection closes, shutdown's close included (a close the shutdown cut
// short, the broker not answering, is not a loss: shutdown said so).
func (r *runner) watchDrain(s *session) {
	defer r.watching.Done()
	if err, ok := <-s.closed; ok && err != nil && !s.cut.Load() {
		r.setConnected(false)
		r.log.Warn("broker connection lost while stopping", zap.Stringer("broker", s.reg.Broker), zap.Error(brokerText(err, s.red)))
	}
}

func (r *runner) closeSession(s *session) {
	r.untrack(s)
	_ = s.conn.Close()
}

func (r *runner) untrack(s *session) {
	r.jobsMu.Lock()
	delete(r.sessions, s)
	r.jobsMu.Unlock()
}

// shutdown waits for the messages in flight up to shutdownTimeout, settles
// the unfinished ones (see settleUnfinished: returned to the queue unless
// their result is kept) and closes every connection, waiting for the
// broker's answers to the consumer's cancel and to the close as
// StopGrace says.
func (r *runner) shutdown() {
	close(r.stopping)
	done := make(chan struct{})
	go func() {
		r.inflight.Wait()
		close(done)
	}()
	r.jobsMu.Lock()
	n := len(r.jobs)
	r.jobsMu.Unlock()
	if n > 0 {
		r.log.Info("shutting down: waiting for injects in flight", zap.Int("in_flight", n),
			zap.Duration("timeout", r.shutdownTimeout))
	}
	t := time.NewTimer(r.shutdownTimeout)
	defer t.Stop()
	select {
	case <-done:
	case <-t.C:
		r.settleUnfinished(done)
	}
	r.jobsMu.Lock()
	sessions := make([]*session, 0, len(r.sessions))
	for s := range r.sessions {
		sessions = append(sessions, s)
	}
	r.jobsMu.Unlock()
	var unanswered string
	var where Broker
	if r.cancelled != nil && !ready(r.cancelled) { // its grace may be over, the answer in
		grace := time.NewTimer(time.Until(r.cancelSent.Add(StopGrace)))
		select {
		case <-r.cancelled:
		case <-grace.C:
			if !r.cancelledOn.conn.IsClosed() { // else lost, and said so (watchDrain)
				unanswered, where = "the consumer's cancel", r.cancelledOn.reg.Broker
			}
		}
		grace.Stop()
	}
	for _, s := range sessions {
		r.untrack(s)
		if s.conn.IsClosed() {
			continue
		}
		by := time.Now().Add(StopGrace)
		if s == r.cancelledOn && unanswered != "" {
			by = time.Now() // not answering the cancel, the broker will not answer the close
		}
		s.cut.Store(true) // before the deadline may end it: not a loss (watchDrain)
		err := s.conn.CloseDeadline(by)
		if err != nil && !time.Now().Before(by) && unanswered == "" {
			unanswered, where = "the connection's close", s.reg.Broker
		}
	}
	if unanswered != "" {
		r.log.Warn("the broker did not answer while stopping: its connection closed without waiting longer; "+
			"the messages it had not seen acknowledged go back to the queue once it reads again, and one "+
			"acknowledged while it did not answer may come back too (the broker may drop an acknowledgement "+
			"it reads with the connection's end): a redelivery of an inject the platform shows finished is "+
			"acknowledged, not run again",
			zap.Stringer("broker", where), zap.String("awaited", unanswered), zap.Duration("waited", StopGrace))
	}
	if r.cancelled != nil {
		<-r.cancelled // the close ended the cancel's wait
	}
	r.watching.Wait()
	r.setConnected(false)
	r.log.Info("stopped")
}
