package serve_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/injectkit/injectkit/serve"
	"github.com/injectkit/injectkit/serve/servetest"
)

// TestIntegrationChannelClosedByTheBrokerIsSaid: a message held longer
// than the broker's consumer_timeout has the broker close its channel,
// 406 PRECONDITION_FAILED, its connection kept. The daemon says so with
// the broker's reason, which names the timeout to raise, and consumes
// again; the copy the broker delivers again waits for the run. It said
// "consumer cancelled by the broker", as for a queue deleted, and nothing
// of the timeout.
func TestIntegrationChannelClosedByTheBrokerIsSaid(t *testing.T) {
	rec, inFlight, release := holdingSlow()
	f := newFixture(t, rec)
	node := servetest.StartNode(t, "acktimeout", servetest.WithConsumerTimeout(time.Second))
	queue := node.Queue(t)
	f.reg.set(serve.Registration{Broker: node.Broker(), Queue: queue}, nil)
	start(t, f.d)
	node.Publish(t, queue, []byte(`{"n":"slow"}`))
	<-inFlight

	const closed = "broker channel closed"
	waitFor(t, "the channel's close said", func() bool {
		return f.logs.FilterMessageSnippet(closed).Len()+f.logs.FilterMessageSnippet("consumer cancelled by the broker").Len() > 0
	})
	close(release)
	if n := f.logs.FilterMessageSnippet("consumer cancelled by the broker").Len(); n != 0 {
		t.Errorf("the channel's close said %d times as a consumer cancelled", n)
	}
	lines := f.logs.FilterMessageSnippet(closed).All()
	if len(lines) == 0 {
		t.Fatal("the channel's close is not said")
	}
	if why := lines[0].ContextMap()["error"]; !strings.Contains(why.(string), "PRECONDITION_FAILED") {
		t.Errorf("the close is said with the error %q, want the broker's PRECONDITION_FAILED", why)
	}
	waitFor(t, "the message settled once", func() bool {
		ready, _, err := node.Counts(queue)
		return err == nil && ready == 0 && rec.seen(`{"n":"slow"}`) >= 1 && f.logs.FilterMessage("consuming").Len() >= 2
	})
}

// TestIntegrationChannelClosedWhilePausedIsSaid: a message kept through a
// pause (the outbox full, say) past the broker's consumer_timeout has its
// channel closed by the broker, 406 PRECONDITION_FAILED. While paused,
// the daemon watched the connection alone: it said nothing of the close
// (here), or, once the broker closed the connection too (RabbitMQ 3.10
// does on the client's close-ok, seen with the built CLI), WARN "broker
// connection lost while paused", `Exception (504) Reason: "CHANNEL_ERROR
// - expected 'channel.open'"`, the broker's reason to raise
// consumer_timeout dropped either way. The channel's close is now said
// as when consuming, with the broker's reason; the message is still
// handled once the pause ends.
func TestIntegrationChannelClosedWhilePausedIsSaid(t *testing.T) {
	var pausing atomic.Bool
	pausing.Store(true)
	resume := make(chan struct{})
	rec := newRecorder(func(string, int) error {
		if pausing.Load() {
			return &serve.PauseError{Err: errors.New("outbox full"), Reason: "outbox full",
				Wait: func(ctx context.Context) error {
					select {
					case <-resume:
						return nil
					case <-ctx.Done():
						return ctx.Err()
					}
				}}
		}
		return nil
	})
	f := newFixture(t, rec)
	node := servetest.StartNode(t, "pausetimeout", servetest.WithConsumerTimeout(time.Second))
	queue := node.Queue(t)
	f.reg.set(serve.Registration{Broker: node.Broker(), Queue: queue}, nil)
	start(t, f.d)
	node.Publish(t, queue, []byte(`{"n":"kept"}`))

	const closed = "broker channel closed: its unacknowledged messages go back to the queue; consuming again on a new connection"
	const lost = "broker connection lost while paused"
	t.Cleanup(func() {
		if t.Failed() {
			for _, e := range f.logs.All() {
				t.Log(e.Message, e.ContextMap())
			}
		}
	})
	waitFor(t, "the channel's close said", func() bool {
		return f.logs.FilterMessage(closed).Len()+f.logs.FilterMessage(lost).Len() > 0
	})
	if lines := f.logs.FilterMessage(lost).All(); len(lines) != 0 {
		t.Errorf("the channel's close said as %q, %v", lost, lines[0].ContextMap())
	}
	if lines := f.logs.FilterMessage(closed).All(); len(lines) == 0 ||
		!strings.Contains(fmt.Sprint(lines[0].ContextMap()["error"]), "PRECONDITION_FAILED") {
		t.Errorf("the channel's close said %v, want one line with the broker's PRECONDITION_FAILED", lines)
	}
	pausing.Store(false)
	close(resume)
	waitFor(t, "the message handled once the pause ended", func() bool {
		ready, _, err := node.Counts(queue)
		return err == nil && ready == 0 && rec.seen(`{"n":"kept"}`) >= 2
	})
}
