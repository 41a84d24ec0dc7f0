package serve

import (
	amqp "github.com/rabbitmq/amqp091-go"
	"go.uber.org/zap"
)

// How the end of a session is said: the connection's loss, the broker's
// close of its channel, the cancel of its consumer.

// The WARN lines of a session's end while consuming say what happened
// and what the daemon does next: the consume loop registers again (the
// platform creates a missing queue on a registration) and connects
// again, and the messages in flight run on. On a connection's loss their
// acknowledgement is lost with it (each says so once its handling ends:
// "ack lost with the channel"); on a consumer's cancel their channel
// stays open until they are settled (see consumeLoop).
const (
	connLost = "broker connection lost: registering again and reconnecting; " +
		"the injects in flight run on, their acknowledgement lost with the connection"
	connLostWaiting = "broker connection lost while waiting for a free worker (every worker runs a message " +
		"taken on an earlier connection; none was taken on this one): connecting again, and consuming once a worker " +
		"is free; the injects in flight run on"
	consumerCancelled = "consumer cancelled by the broker (its queue deleted, or moved to another node): registering again " +
		"(the platform declares a missing queue) and consuming it on a new connection; the injects in flight run on, " +
		"acknowledged on their channel"
)

// lostWhileWaiting logs the loss of a connection the daemon made and
// waited on, consuming nothing, for a free worker (each running a message
// of an earlier consumer: see startConsumer), and keeps it as /healthz's
// reason until the next connection is made or fails. It was said
// "broker connection failed", as a dial refused is, the broker's reason
// for its close dropped.
func (r *runner) lostWhileWaiting(reg Registration, lost *lostWaiting) {
	why := "connection to " + reg.Broker.String() + " lost while waiting for a free worker"
	if lost.broker != nil {
		why += ": " + lost.broker.Error()
	}
	r.brokerErr.Store(&why)
	r.setConnected(false)
	r.log.Warn(connLostWaiting, zap.Stringer("broker", reg.Broker), zap.String("queue", reg.Queue),
		zap.Int("in_flight", r.elsewhere("")), zap.Error(lost.broker))
}

// lost logs msg for the loss of the connection of s, with what its close
// said (err: the broker's connection.close code and reason, 320
// CONNECTION_FORCED and the operator's text for a rabbitmqctl
// close_connection; nil when it said nothing), and keeps it, redacted as
// the broker's texts are (brokerText), as /healthz's reason until the
// next connection is made or fails.
func (r *runner) lost(s *session, msg string, err *amqp.Error) {
	why := "connection to " + s.reg.Broker.String() + " lost"
	var shown error
	if err != nil {
		shown = brokerText(err, s.red)
		why += ": " + shown.Error()
	}
	r.brokerErr.Store(&why)
	r.log.Warn(msg, zap.Stringer("broker", s.reg.Broker), zap.Int("in_flight", r.inFlightOn(s)), zap.Error(shown))
}

// inFlightOn counts the messages of s in flight: handled by a worker, or
// waiting for a delivery slot or to be handled again.
func (r *runner) inFlightOn(s *session) int {
	r.jobsMu.Lock()
	defer r.jobsMu.Unlock()
	n := 0
	for j := range r.jobs {
		if j.sess == s {
			n++
		}
	}
	return n
}

// deliveriesEnded logs why the deliveries of s ended while the daemon
// consumed, and keeps it as /healthz's reason until the next connection
// is made or fails. Three ends close them alike: the connection's loss,
// its close not read yet (said as consume says it); the broker closing
// the channel alone, with its reason (406 PRECONDITION_FAILED when a
// message outlasted its consumer_timeout: its copy is delivered again);
// and, the channel open, the broker cancelling the consumer (its queue
// deleted: basic.cancel). Each was said as a cancel, the broker's reason
// for a channel's close dropped.
func (r *runner) deliveriesEnded(s *session) {
	if s.conn.IsClosed() {
		var err *amqp.Error
		select {
		case err = <-s.closed:
		default:
		}
		r.lost(s, connLost, err)
		return
	}
	if s.ch.IsClosed() {
		var err *amqp.Error
		select {
		case err = <-s.chErr:
		default:
		}
		r.channelClosedBy(s, err)
		return
	}
	why := ConsumerCancelledReason(s.reg.Queue)
	r.brokerErr.Store(&why)
	r.log.Warn(consumerCancelled, zap.String("queue", s.reg.Queue), zap.Int("in_flight", r.inFlightOn(s)))
}

// channelClosedBy logs that the broker closed the channel of s, with its
// reason err (nil when it gave none), and keeps it as /healthz's reason
// until the next connection is made or fails.
func (r *runner) channelClosedBy(s *session, err *amqp.Error) {
	why := "the broker closed the channel consuming the queue " + s.reg.Queue + "; consuming it again"
	var shown error
	if err != nil {
		shown = brokerText(err, s.red)
		why += ": " + shown.Error()
	}
	r.brokerErr.Store(&why)
	r.log.Warn("broker channel closed: its unacknowledged messages go back to the queue; consuming again on a new connection",
		zap.Stringer("broker", s.reg.Broker), zap.String("queue", s.reg.Queue), zap.Error(shown))
}

// closeWhenClosed closes gone once closes, a channel's NotifyClose, is
// closed: the client library closes it when the channel closes, however
// (the broker's close, the connection's loss, the daemon's own close).
func closeWhenClosed(closes <-chan *amqp.Error, gone chan<- struct{}) {
	for range closes {
	}
	close(gone)
}
