package serve_test

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

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

// TestIntegrationQuorumQueueKeepsAMessageThroughPauses checks, on a quorum
// queue with a delivery limit of 2, that a message whose handling pauses
// the consumption more often than the limit (the platform refuses the
// token for longer than a few handlings, the outbox is full again and
// again) is kept by its worker and handled again when the consumption
// resumes, flagged redelivered (the platform's status is checked first),
// then acknowledged: the inject runs once and completes. Returned to the
// broker at each pause, it would be dropped past the limit.
func TestIntegrationQuorumQueueKeepsAMessageThroughPauses(t *testing.T) {
	tests := []struct {
		name string
		// refuse returns what the handling of the message returns while
		// the pause lasts; the registrar fails meanwhile with regErr.
		refuse func() error
		regErr error
		// stop ends the pause, after attempts handlings.
		attempts int
	}{
		{
			name: "the platform refuses the token",
			refuse: func() error {
				return &serve.UnauthorizedError{Err: errors.New("reception rejected: status 401"), Key: "i-1"}
			},
			regErr:   errors.New("platform: 401"),
			attempts: 5,
		},
		{
			name: "the outbox is full again and again",
			refuse: func() error {
				return &serve.PauseError{Err: errors.New("outbox full"), Reason: "outbox full",
					Wait: func(context.Context) error { return nil }} // room made, full again at the next
			},
			attempts: 5,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var refusing atomic.Bool
			refusing.Store(true)
			var runs atomic.Int32
			h := &deliveries{fn: func(_ serve.Delivery, n int) error {
				if refusing.Load() {
					return tt.refuse()
				}
				runs.Add(1)
				return nil
			}}
			f := newFixture(t, h)
			f.d.AuthFailures = tt.attempts // the token check comes at the last refusal
			f.d.HeartbeatInterval = 20 * time.Millisecond
			f.queue = servetest.QueueWith(t, amqp.Table{"x-queue-type": "quorum", "x-delivery-limit": 2})
			f.reg.set(serve.Registration{Broker: servetest.Broker(t), Queue: f.queue}, nil)
			stop := start(t, f.d)
			waitFor(t, "registered", func() bool { return f.reg.count() > 0 })
			f.reg.set(f.reg.reg, tt.regErr)
			body := `{"injection":{"inject_id":"i-1"}}`
			servetest.Publish(t, f.queue, []byte(body))

			// Returned to the queue at each pause, the message is dropped
			// after its third delivery and never handled this often.
			waitFor(t, "the message handled at each pause", func() bool { return len(h.all()) >= tt.attempts })
			refusing.Store(false)
			f.reg.set(f.reg.reg, nil)
			waitFor(t, "the message acknowledged", func() bool {
				return servetest.Metric(t, f.metrics, "injectkit_messages_total", "outcome", "acked") == 1
			})
			if err := stop(); err != nil {
				t.Fatalf("Run = %v", err)
			}
			if got := runs.Load(); got != 1 {
				t.Errorf("the inject ran %d times, want once", got)
			}
			got := h.all()
			if last := got[len(got)-1]; !last.Redelivered {
				t.Error("the kept message handed again as new: the platform's status of its inject is not checked first")
			}
			for _, outcome := range []string{"requeued", "rejected"} {
				if n := servetest.Metric(t, f.metrics, "injectkit_messages_total", "outcome", outcome); n != 0 {
					t.Errorf("%s = %v, want 0: the message is kept by its worker", outcome, n)
				}
			}
			if ready, _ := servetest.Counts(t, f.queue); ready != 0 {
				t.Errorf("%d messages left in the queue", ready)
			}
		})
	}
}
