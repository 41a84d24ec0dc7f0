package serve_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"

	"github.com/injectkit/injectkit/serve"
	"github.com/injectkit/injectkit/serve/servetest"
)

// keyed is a recorder that is a KeyNamer: a message is named by the
// "inject_id" its body holds.
type keyed struct{ *recorder }

func (keyed) MessageKey(body []byte) (string, any) {
	_, after, ok := strings.Cut(string(body), `"inject_id":"`)
	key, _, _ := strings.Cut(after, `"`)
	if !ok {
		return "", nil
	}
	return key, nil
}

var _ serve.KeyNamer = keyed{}

// TestIntegrationLogLinesNameTheInject checks that every line the daemon
// logs about one message of a KeyNamer handler carries its key as the
// field inject_id: a message a quorum queue delivered again, a handling
// failed and kept, a message rejected, the unfinished ones requeued at the
// shutdown timeout.
func TestIntegrationLogLinesNameTheInject(t *testing.T) {
	block := make(chan struct{})
	t.Cleanup(func() { close(block) })
	rec := newRecorder(func(body string, n int) error {
		switch {
		case strings.Contains(body, "i-again") && n == 1:
			return errors.New("platform unreachable")
		case strings.Contains(body, "i-bad"):
			return serve.PermanentFor(errors.New("not a message"), "noop")
		case strings.Contains(body, "i-slow"):
			<-block
		}
		return nil
	})
	f := newFixture(t, keyed{rec})
	f.d.ShutdownTimeout = 200 * time.Millisecond
	f.queue = servetest.QueueWith(t, amqp.Table{"x-queue-type": "quorum"})
	f.reg.set(serve.Registration{Broker: servetest.Broker(t), Queue: f.queue}, nil)
	servetest.Publish(t, f.queue, []byte(`{"injection":{"inject_id":"i-again"}}`))
	servetest.Redeliver(t, f.queue) // delivered once already: its x-delivery-count is logged
	servetest.Publish(t, f.queue, []byte(`{"injection":{"inject_id":"i-bad"}}`), []byte(`{"injection":{"inject_id":"i-slow"}}`))
	stop := start(t, f.d)
	waitFor(t, "i-again acknowledged, i-bad rejected, i-slow in flight", func() bool {
		return servetest.Metric(t, f.metrics, "injectkit_messages_total", "outcome", "acked") == 1 &&
			servetest.Metric(t, f.metrics, "injectkit_messages_total", "outcome", "rejected") == 1 &&
			rec.seen(`{"injection":{"inject_id":"i-slow"}}`) == 1
	})
	if err := stop(); err != nil {
		t.Fatalf("Run = %v", err)
	}
	for msg, want := range map[string]string{
		"message delivered again by the broker":                  "i-again",
		"handling failed; the message is kept and handled again": "i-again",
		"message rejected without requeue":                       "i-bad",
	} {
		lines := f.logs.FilterMessage(msg).All()
		if len(lines) != 1 || lines[0].ContextMap()["inject_id"] != want {
			t.Errorf("%q logged %v, want one line with inject_id %s", msg, lines, want)
		}
	}
	// One line says the rejection: the Handler's reason, its injector,
	// how long the handling took.
	for _, e := range f.logs.FilterMessage("message rejected without requeue").All() {
		if m := e.ContextMap(); m["injector"] != "noop" || m["duration"] == nil || m["reason"] != "not a message" {
			t.Errorf("rejection logged %v, want its injector noop, duration and reason", m)
		}
	}
	lines := f.logs.FilterMessage("shutdown timeout: requeued the unfinished injects").All()
	if len(lines) != 1 || fmt.Sprint(lines[0].ContextMap()["inject_ids"]) != "[i-slow]" {
		t.Errorf("shutdown timeout logged %v, want the inject_ids of the unfinished message, [i-slow]", lines)
	}
}

// decoding is a KeyNamer and DeliveryHandler: MessageKey "decodes" a body
// into its key, and each handling records what Delivery.Decoded held.
type decoding struct {
	*recorder
	mu      sync.Mutex
	decoded []any
}

func (*decoding) MessageKey(body []byte) (string, any) {
	k, _ := keyed{}.MessageKey(body)
	return k, "decoded " + k
}

func (h *decoding) HandleDelivery(ctx context.Context, d serve.Delivery) error {
	h.mu.Lock()
	h.decoded = append(h.decoded, d.Decoded)
	h.mu.Unlock()
	return h.Handle(ctx, d.Body)
}

// TestIntegrationDecodedHandedToTheFirstHandling checks that what a
// KeyNamer decoded a message into reaches its first handling
// (Delivery.Decoded), so that the message is decoded once, and that a
// handling again after a transient failure gets nil: it decodes the body
// afresh.
func TestIntegrationDecodedHandedToTheFirstHandling(t *testing.T) {
	h := &decoding{recorder: newRecorder(func(_ string, n int) error {
		if n == 1 {
			return errors.New("platform unreachable")
		}
		return nil
	})}
	f := newFixture(t, h)
	servetest.Publish(t, f.queue, []byte(`{"injection":{"inject_id":"i-1"}}`))
	stop := start(t, f.d)
	waitFor(t, "i-1 acknowledged", func() bool {
		return servetest.Metric(t, f.metrics, "injectkit_messages_total", "outcome", "acked") == 1
	})
	if err := stop(); err != nil {
		t.Fatalf("Run = %v", err)
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if want := []any{"decoded i-1", nil}; fmt.Sprint(h.decoded) != fmt.Sprint(want) {
		t.Errorf("Delivery.Decoded of each handling = %v, want %v", h.decoded, want)
	}
}
