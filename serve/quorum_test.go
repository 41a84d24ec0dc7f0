package serve_test

import (
	"errors"
	"testing"

	amqp "github.com/rabbitmq/amqp091-go"

	"github.com/injectkit/injectkit/serve"
	"github.com/injectkit/injectkit/serve/servetest"
)

// TestIntegrationQuorumQueueKeepsAMessageThePlatformFails checks, on a
// quorum queue with a delivery limit of 2 (OpenAEV's
// openaev.rabbitmq.queue-type quorum; RabbitMQ 4 sets a limit of 20 by
// default), that a message whose handling fails for a platform error more
// often than the limit is kept and handled again by its worker until the
// platform answers, then acknowledged: the inject runs once and
// completes. Returned to the broker at each failure, it would be dropped
// past the limit. A message the broker delivered before arrives with its
// x-delivery-count, logged.
func TestIntegrationQuorumQueueKeepsAMessageThePlatformFails(t *testing.T) {
	const failures = 4 // the platform unreachable: more than the delivery limit
	unreachable := errors.New("reception: dial tcp 127.0.0.1:9: connect: connection refused")
	rec := newRecorder(func(_ string, n int) error {
		if n <= failures {
			return unreachable
		}
		return nil
	})
	f := newFixture(t, rec)
	f.queue = servetest.QueueWith(t, amqp.Table{"x-queue-type": "quorum", "x-delivery-limit": 2})
	f.reg.set(serve.Registration{Broker: servetest.Broker(t), Queue: f.queue}, nil)
	body := `{"injection":{"inject_id":"i-1"}}`
	servetest.Publish(t, f.queue, []byte(body))
	servetest.Redeliver(t, f.queue) // delivered once already, by a consumer that died
	stop := start(t, f.d)

	waitFor(t, "the message acknowledged", func() bool {
		return servetest.Metric(t, f.metrics, "injectkit_messages_total", "outcome", "acked") == 1
	})
	if err := stop(); err != nil {
		t.Fatalf("Run = %v", err)
	}
	if got := rec.seen(body); got != failures+1 {
		t.Errorf("handled %d times, want %d: %d failures, then the one run that completes", got, failures+1, failures)
	}
	if got := servetest.Metric(t, f.metrics, "injectkit_messages_total", "outcome", "requeued"); got != 0 {
		t.Errorf("requeued = %v, want 0: the message is kept, not returned to the broker", got)
	}
	if ready, _ := servetest.Counts(t, f.queue); ready != 0 {
		t.Errorf("%d messages left in the queue", ready)
	}
	retries := f.logs.FilterMessage("handling failed; the message is kept and handled again").All()
	if len(retries) != failures {
		t.Errorf("%d failures logged, want %d", len(retries), failures)
	}
	for i, e := range retries {
		if got := e.ContextMap()["attempt"]; got != int64(i+1) {
			t.Errorf("failure %d logged as attempt %v", i+1, got)
		}
	}
	again := f.logs.FilterMessage("message delivered again by the broker").All()
	if len(again) != 1 || again[0].ContextMap()["delivery_count"] != int64(1) {
		t.Errorf("redeliveries logged: %v; want one, with delivery_count 1", again)
	}
}
