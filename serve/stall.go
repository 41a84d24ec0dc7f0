package serve

import (
	"context"
	"sync/atomic"
	"time"

	"go.uber.org/zap"
)

// The daemon's own stalls: a process stopped (SIGSTOP, a debugger, a
// suspended VM or container) or starved of CPU for longer than its
// connection's heartbeats survive. The broker takes the connection for
// dead meanwhile and hands its unacknowledged messages to another
// consumer; the deliveries that reached this process's socket before that,
// read once it runs again, are no longer its own, though the client
// library hands them over before it reads the connection's end behind
// them. Running one would run its inject a second time, beside the
// consumer the broker gave it to (seen from outside: a SIGSTOP of 75 s,
// then SIGCONT, and two completes for each of two injects).

const (
	// stallTick is how often the watch notes that the daemon runs.
	stallTick = time.Second
	// stallGap is the gap between two notes that counts as a stall.
	stallGap = 3 * stallTick
)

// stallWatch notes, every stallTick, that the daemon runs, and counts the
// gaps longer than stallGap.
type stallWatch struct {
	epoch  time.Time    // the base of last, on the monotonic clock
	last   atomic.Int64 // the last note, in nanoseconds since epoch
	stalls atomic.Uint64
}

func newStallWatch() *stallWatch { return &stallWatch{epoch: time.Now()} }

// run notes until ctx is done.
func (w *stallWatch) run(ctx context.Context) {
	t := time.NewTicker(stallTick)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			now := int64(time.Since(w.epoch))
			if time.Duration(now-w.last.Swap(now)) > stallGap {
				w.stalls.Add(1)
			}
		}
	}
}

// since reports whether the daemon stalled after the stall count seen (a
// stall its ticker counted, or one so recent that it has not run yet), and
// the count to remember once the caller has checked what a stall may have
// broken.
func (w *stallWatch) since(seen uint64) (uint64, bool) {
	n := w.stalls.Load()
	if time.Since(w.epoch)-time.Duration(w.last.Load()) > stallGap {
		return n, true
	}
	return n, n != seen
}

// stallCheck is a session's part of heldAcrossStall: the stall count its
// connection was last found alive after, and whether a WARN said it gone.
type stallCheck struct {
	seen uint64
	said bool
}

// heldAcrossStall reports whether the message taken from the broker on s may have
// been given to another consumer while the daemon stood still: after a
// stall, the connection must answer a round trip (a channel opened and
// closed) before another message of it runs. A connection that does not
// is gone, and the broker delivers its messages again; one that answers
// is kept, and no message is checked again until the next stall. A
// connection whose broker end is gone without a word (a partition) answers
// nothing: the client library ends it once its heartbeats go unanswered
// (3 intervals, 30 s), and a shutdown meanwhile leaves the message
// unacknowledged, to the broker once the connection closes.
func (r *runner) heldAcrossStall(ctx context.Context, s *session) bool {
	n, stalled := r.stall.since(s.stall.seen)
	if !stalled || s.conn == nil {
		return false
	}
	answered := make(chan error, 1)
	go func() {
		ch, err := s.conn.Channel()
		if err == nil {
			_ = ch.Close()
		}
		answered <- err
	}()
	var err error
	select {
	case err = <-answered:
	case <-ctx.Done():
		return true // stopping: left unacknowledged, to the broker once the connection closes
	}
	if err != nil {
		if !s.stall.said {
			s.stall.said = true
			r.log.Warn("the daemon stood still longer than its broker connection lived: the messages it held are not run, "+
				"the broker delivers them again", zap.Stringer("broker", s.reg.Broker), zap.Uint64("channel", s.channel),
				zap.Error(brokerText(err, s.red)))
		}
		return true
	}
	s.stall.seen = n
	return false
}
