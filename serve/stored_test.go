package serve_test

import (
	"context"
	"sync/atomic"
	"testing"

	"github.com/injectkit/injectkit/serve"
	"github.com/injectkit/injectkit/serve/servetest"
)

// TestIntegrationStoredAcknowledgesAtOnce: a Handler that says its result
// is stored (serve.Stored) has its message acknowledged then, while it
// still posts the result. The broker, whose prefetch of 1 the message
// held, then hands the daemon the next one; and a connection lost while
// the result is posted (for the broker, a daemon killed) does not
// deliver the stored one again, where its inject would run a second time.
// Once the Handler returns, the message is counted acknowledged, once.
func TestIntegrationStoredAcknowledgesAtOnce(t *testing.T) {
	stored, release := make(chan struct{}), make(chan struct{})
	var first, others atomic.Int32
	f := newFixture(t, serve.HandlerFunc(func(ctx context.Context, body []byte) error {
		if string(body) != `{"n":"stored"}` {
			others.Add(1)
			return nil
		}
		if first.Add(1) == 1 {
			serve.Stored(ctx)
			serve.Stored(ctx) // a second call settles nothing more
			close(stored)
			<-release // posting the result
		}
		return nil
	}))
	f.d.Workers = 1 // prefetch 1
	p := f.throughProxy(t, nil)
	start(t, f.d)
	released := false
	t.Cleanup(func() {
		if !released {
			close(release)
		}
	})

	servetest.Publish(t, f.queue, []byte(`{"n":"stored"}`))
	<-stored
	servetest.Publish(t, f.queue, []byte(`{"n":"next"}`))
	waitFor(t, "the next message handed to the daemon, the stored one's acknowledgement taken", func() bool {
		ready, _ := servetest.Counts(t, f.queue)
		return ready == 0
	})
	p.cut()
	close(release)
	released = true
	waitFor(t, "a reconnection", func() bool {
		return servetest.Metric(t, f.metrics, "injectkit_broker_reconnects_total") == 1
	})
	waitFor(t, "the next message handled", func() bool { return others.Load() >= 1 })
	// Each handling ends counted once: the stored message's acknowledged,
	// the next one's acknowledged, or lost with the channel cut while it
	// waited (then handled again).
	settled := func() float64 {
		return servetest.Metric(t, f.metrics, "injectkit_messages_total", "outcome", "acked") +
			servetest.Metric(t, f.metrics, "injectkit_messages_total", "outcome", "channel_closed")
	}
	waitFor(t, "every handling counted", func() bool { return settled() == float64(1+others.Load()) })
	if n := first.Load(); n != 1 {
		t.Errorf("the stored message was handled %d times, want 1: delivered again after its result was stored", n)
	}
	f.messagesCounted(t, map[string]float64{"requeued": 0, "rejected": 0})
}
