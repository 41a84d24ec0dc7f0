package serve_test

import (
	"testing"

	"github.com/injectkit/injectkit/serve/servetest"
)

// TestIntegrationDeliverySlotsWidenThePrefetch: the broker's prefetch is
// Workers + DeliverySlots, so a message may wait in the daemon for a
// worker while every worker runs one; meanwhile the daemon still sees
// its connection's loss (logged, reported, consumed again), as it does
// when idle, and the waiting message, whose ack cannot land any more, is
// delivered again by the broker, as is the one that ran. Before, the
// loop waiting for a worker watched nothing but the shutdown: a lost
// connection was seen once the worker was free.
func TestIntegrationDeliverySlotsWidenThePrefetch(t *testing.T) {
	rec, inFlight, release := holdingSlow()
	f := newFixture(t, rec)
	f.d.Workers, f.d.DeliverySlots = 1, 1
	p := f.throughProxy(t, nil)
	start(t, f.d)
	free := releasedBeforeStop(t, release)

	servetest.Publish(t, f.queue, []byte(`{"n":"slow"}`))
	<-inFlight
	servetest.Publish(t, f.queue, bodies("wait", 2)...)
	waitFor(t, "the daemon holding two messages, the broker one", func() bool {
		ready, _ := servetest.Counts(t, f.queue)
		return ready == 1
	})
	p.cut()
	waitFor(t, "the loss seen while the worker runs", func() bool {
		return f.logs.FilterMessage(connLostLine).Len() == 1
	})
	waitFor(t, "a reconnection while the worker runs", func() bool {
		return servetest.Metric(t, f.metrics, "injectkit_broker_reconnects_total") == 1
	})
	if rec.seen(`{"n":"slow"}`) != 1 || rec.distinct() != 1 {
		t.Fatalf("handled %d distinct messages before the worker was free, want the slow one alone", rec.distinct())
	}
	free()
	waitFor(t, "every message handled, the slow one again (its ack lost)", func() bool {
		return rec.distinct() == 3 && rec.seen(`{"n":"slow"}`) == 2
	})
}

// A message the daemon took from the broker and holds while every worker
// runs one (the prefetch counts the delivery slots) is in flight: the
// gauge counted only those a worker had taken.
func TestIntegrationInFlightCountsAMessageWaitingForAWorker(t *testing.T) {
	rec, running, release := holdingSlow() // no connection lost: handled once
	f := newFixture(t, rec)
	f.d.Workers, f.d.DeliverySlots = 1, 1
	start(t, f.d)
	free := releasedBeforeStop(t, release)

	servetest.Publish(t, f.queue, []byte(`{"n":"slow"}`))
	<-running
	servetest.Publish(t, f.queue, []byte(`{"n":"next"}`))
	waitFor(t, "the daemon holding both messages", func() bool {
		ready, _ := servetest.Counts(t, f.queue)
		return ready == 0
	})
	waitFor(t, "both messages in flight", func() bool {
		return servetest.Metric(t, f.metrics, "injectkit_injects_in_flight") == 2
	})
	free()
	waitFor(t, "both handled and none in flight", func() bool {
		return rec.distinct() == 2 && servetest.Metric(t, f.metrics, "injectkit_injects_in_flight") == 0
	})
}
