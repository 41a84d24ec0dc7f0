package serve_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/injectkit/injectkit/serve"
	"github.com/injectkit/injectkit/serve/servetest"
)

// TestIntegrationHealthSaysTheConsumerWasCancelled: once the broker
// cancels the daemon's consumer (its queue deleted: RabbitMQ's
// basic.cancel), /healthz says so, naming the queue, until the next
// connection is made or fails (here held: the re-registration before it
// waits on the platform). It said "not connected to the broker" and
// nothing more, the connection working and nothing having failed on it.
func TestIntegrationHealthSaysTheConsumerWasCancelled(t *testing.T) {
	f := newFixture(t, newRecorder(nil))
	url := f.listen(t, time.Hour)
	reg := &heldRegistrar{registrar: f.reg, held: make(chan struct{}, 1)}
	f.d.Registrar = reg
	start(t, f.d)
	waitFor(t, "healthy", func() bool { code, _ := servetest.Health(t, url); return code == http.StatusOK })

	reg.hold.Store(true)
	servetest.DeleteQueue(t, f.queue)
	<-reg.held // the consumer ended; the re-registration before the next connection waits
	code, h := servetest.Health(t, url)
	want := serve.ReasonBroker + ": " + serve.ConsumerCancelledReason(f.queue)
	if code != http.StatusServiceUnavailable || h.Reason != want || h.BrokerConnected {
		t.Errorf("health %d %+v, want 503 with the reason %q", code, h, want)
	}
	if got := servetest.Metric(t, f.metrics, "injectkit_broker_connected"); got != 0 {
		t.Errorf("injectkit_broker_connected = %v, want 0 (the daemon closes the connection to consume again)", got)
	}
	// The WARN says what the daemon does next, as /healthz does.
	if n := f.logs.FilterMessage(consumerCancelledLine).Len(); n != 1 {
		t.Errorf("%d WARN %q, want 1; lines: %v", n, consumerCancelledLine, f.logs.FilterMessageSnippet("consumer cancelled").All())
	}
}

// consumerCancelledLine is the WARN of the broker's cancel of the
// daemon's consumer: what happened, and what the daemon does next.
const consumerCancelledLine = "consumer cancelled by the broker (its queue deleted, or moved to another node): registering again " +
	"(the platform declares a missing queue) and consuming it on a new connection; the injects in flight run on, " +
	"acknowledged on their channel"
