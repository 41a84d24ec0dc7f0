package serve_test

import (
	"strings"
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
		return f.logs.FilterMessageSnippet(closed).Len()+f.logs.FilterMessage("consumer cancelled by the broker").Len() > 0
	})
	close(release)
	if n := f.logs.FilterMessage("consumer cancelled by the broker").Len(); n != 0 {
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
