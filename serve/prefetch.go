package serve

import (
	"context"
	"sync"

	"go.uber.org/zap"
)

// prefetch keeps the broker's prefetch of the daemon's consumer at the
// workers and delivery slots free for it (see capacity): their number
// less the messages still in flight that another consumer took (an
// earlier connection's, lost or left for a changed registration, or the
// consumer a pause cancelled), which hold their slots until they are
// settled. A consumer that asked the broker
// for --workers messages while some were still running was pushed
// messages no worker could take: they waited, unacknowledged, in this
// daemon while another daemon on the queue sat idle. RabbitMQ fixes a
// consumer's prefetch when it starts (a quorum queue has no channel-wide
// one), so once more workers are free the consumer is replaced by one
// with the larger prefetch (endGrow).
type prefetch struct {
	mu    sync.Mutex
	tag   string        // the consumer's tag, "" before the first
	limit int           // its prefetch
	freed chan struct{} // signalled when a message of another consumer is settled
	grow  chan struct{} // signalled when the consumer may take more than its limit
}

// endGrow ends a consumer whose prefetch is below the workers free for
// it: the same session consumes again with the larger one.
const endGrow endReason = -2

// lostWaiting ends a wait for a free worker on a connection lost
// meanwhile: broker is what its close said (nil when it said nothing).
// The consume loop says it as the loss it is (see lostWhileWaiting), not
// as a connection that failed.
type lostWaiting struct{ broker error }

func (e *lostWaiting) Error() string {
	if e.broker == nil {
		return "connection lost while waiting for a free worker"
	}
	return "connection lost while waiting for a free worker: " + e.broker.Error()
}

// elsewhere counts the messages in flight that a consumer other than tag
// took.
func (r *runner) elsewhere(tag string) int {
	r.jobsMu.Lock()
	defer r.jobsMu.Unlock()
	n := 0
	for j := range r.jobs {
		if j.dl.ConsumerTag != tag {
			n++
		}
	}
	return n
}

// startConsumer starts the consumer s.tag on the channel of s with the
// prefetch of the workers free for it, first waiting, while every worker
// holds a message of another consumer, until one is settled (a prefetch
// of 0 would be no limit at all; the connection is up meanwhile, and
// reported so). It returns ctx's error, a *lostWaiting, or the broker's
// refusal.
func (r *runner) startConsumer(ctx context.Context, s *session) error {
	for waited := false; ; waited = true {
		if ctx.Err() != nil {
			// Stopped meanwhile (a registration or a dial the stop cut
			// short, or outlasted): no consumer, for the broker would push
			// it messages that the stop returns.
			return ctx.Err()
		}
		free := r.capacity() - r.elsewhere(s.tag)
		if free > 0 {
			r.pf.mu.Lock()
			defer r.pf.mu.Unlock()
			r.pf.tag, r.pf.limit = s.tag, free
			select { // a grow meant for the consumer this one replaces
			case <-r.pf.grow:
			default:
			}
			if err := s.ch.Qos(free, 0, false); err != nil {
				return err
			}
			var err error
			s.deliveries, err = s.ch.Consume(s.reg.Queue, s.tag, false, false, false, false, nil)
			return err
		}
		if !waited {
			r.setConnected(true)
			r.log.Info("every worker holds a message of an earlier consumer: consuming once one is free",
				zap.String("queue", s.reg.Queue), zap.Int("workers", r.workers))
		}
		select {
		case <-r.pf.freed:
		case err := <-s.closed:
			if err == nil {
				return &lostWaiting{}
			}
			return &lostWaiting{broker: brokerText(err, s.red)}
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// settled is told that the message of j was settled and its worker
// freed: a consumer waiting for a free worker may start, and, when
// another consumer took it, the consumer's prefetch may grow.
func (r *runner) settled(j *job) {
	select { // a consumer may wait to start (see startConsumer)
	case r.pf.freed <- struct{}{}:
	default:
	}
	r.pf.mu.Lock()
	defer r.pf.mu.Unlock()
	if j.dl.ConsumerTag == r.pf.tag {
		return
	}
	if r.pf.tag != "" && r.capacity()-r.elsewhere(r.pf.tag) > r.pf.limit {
		select {
		case r.pf.grow <- struct{}{}:
		default:
		}
	}
}

// prefetchOf returns the prefetch of the consumer tag, for the log.
func (r *runner) prefetchOf(tag string) int {
	r.pf.mu.Lock()
	defer r.pf.mu.Unlock()
	if r.pf.tag != tag {
		return r.capacity()
	}
	return r.pf.limit
}
