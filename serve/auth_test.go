package serve_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/injectkit/injectkit/serve"
	"github.com/injectkit/injectkit/serve/servetest"
)

// deliveries is a DeliveryHandler recording how each message came, and
// an OversizeHandler recording the size of the heads it was shown.
type deliveries struct {
	mu    sync.Mutex
	got   []serve.Delivery
	heads []int
	fn    func(d serve.Delivery, n int) error // n: calls so far, this one included
}

// HandleOversize names a message by the "inject_id" its head holds.
func (h *deliveries) HandleOversize(_ context.Context, head serve.Delivery, _, _ int64) string {
	h.mu.Lock()
	h.heads = append(h.heads, len(head.Body))
	h.mu.Unlock()
	_, after, ok := strings.Cut(string(head.Body), `"inject_id":"`)
	key, _, _ := strings.Cut(after, `"`)
	if !ok {
		return ""
	}
	return key
}

func (h *deliveries) Handle(ctx context.Context, body []byte) error {
	panic("Handle called on a DeliveryHandler")
}

func (h *deliveries) HandleDelivery(ctx context.Context, d serve.Delivery) error {
	h.mu.Lock()
	h.got = append(h.got, d)
	n := len(h.got)
	h.mu.Unlock()
	if h.fn != nil {
		return h.fn(d, n)
	}
	return nil
}

func (h *deliveries) all() []serve.Delivery {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]serve.Delivery(nil), h.got...)
}

func TestIntegrationDeliveryHandlerSeesRedeliveries(t *testing.T) {
	h := &deliveries{fn: func(_ serve.Delivery, n int) error {
		if n == 1 {
			return errors.New("platform down")
		}
		return nil
	}}
	f := newFixture(t, h)
	start(t, f.d)
	servetest.Publish(t, f.queue, []byte(`{"n":1}`))
	waitFor(t, "the redelivery handled", func() bool { return len(h.all()) == 2 })
	got := h.all()
	if got[0].Redelivered || !got[1].Redelivered || string(got[1].Body) != `{"n":1}` {
		t.Errorf("deliveries %+v, want the first new and the second redelivered", got)
	}
}

// TestIntegrationUnauthorizedPausesConsumption checks that messages whose
// handling the platform refused for authorization are acknowledged when
// their result is durable, turn /healthz unhealthy with the reason, and
// that after AuthFailures of them in a row the daemon stops consuming
// until a registration succeeds again.
func TestIntegrationUnauthorizedPausesConsumption(t *testing.T) {
	h := &deliveries{fn: func(d serve.Delivery, _ int) error {
		if strings.Contains(string(d.Body), "deny") {
			return serve.Unauthorized(errors.New("complete rejected: status 401"), true)
		}
		return nil
	}}
	f := newFixture(t, h)
	url := f.listen(t, 20*time.Millisecond)
	f.d.AuthFailures = 3
	start(t, f.d)
	waitFor(t, "healthy", func() bool { code, _ := servetest.Health(t, url); return code == http.StatusOK })

	// The platform goes on answering registrations: the pause must be
	// seen while they fail, and end with the first one that succeeds.
	f.reg.set(f.reg.reg, errors.New("platform: 502"))
	servetest.Publish(t, f.queue, []byte(`{"deny":1}`))
	waitFor(t, "one refusal", func() bool { return servetest.Metric(t, f.metrics, "injectkit_auth_failures_total") == 1 })
	code, hl := servetest.Health(t, url)
	if code != http.StatusServiceUnavailable || !hl.TokenRefused || hl.Reason != serve.ReasonUnauthorized || hl.Paused {
		t.Errorf("health after one refusal: %d %+v", code, hl)
	}
	servetest.Publish(t, f.queue, []byte(`{"deny":2}`), []byte(`{"deny":3}`))
	waitFor(t, "the consumption paused", func() bool {
		_, c := servetest.Counts(t, f.queue)
		return c == 0 && servetest.Metric(t, f.metrics, "injectkit_consumption_paused") == 1
	})
	servetest.Publish(t, f.queue, []byte(`{"ok":4}`))
	if _, hl := servetest.Health(t, url); !hl.Paused || hl.Reason != serve.ReasonUnauthorized || !hl.BrokerConnected {
		t.Errorf("health while paused: %+v, want paused for the token, the broker connected", hl)
	}
	if got := servetest.Metric(t, f.metrics, "injectkit_broker_connected"); got != 1 {
		t.Errorf("injectkit_broker_connected = %v while paused for the token: a broker alert for a token problem", got)
	}
	if ready, _ := servetest.Counts(t, f.queue); ready != 1 {
		t.Errorf("%d messages ready while paused, want the one published after", ready)
	}
	if got := servetest.Metric(t, f.metrics, "injectkit_messages_total", "outcome", "acked"); got != 3 {
		t.Errorf("acked = %v, want the 3 refused (their results are durable)", got)
	}
	if f.logs.FilterMessageSnippet("consumption paused").Len() != 1 {
		t.Error("the pause is not logged once")
	}

	f.reg.set(f.reg.reg, nil)
	waitFor(t, "the fourth message handled", func() bool { return len(h.all()) == 4 })
	waitFor(t, "healthy again", func() bool { code, _ := servetest.Health(t, url); return code == http.StatusOK })
	if servetest.Metric(t, f.metrics, "injectkit_consumption_paused") != 0 || f.logs.FilterMessageSnippet("consumption resumed").Len() != 1 {
		t.Error("the end of the pause is not recorded")
	}
	for _, d := range h.all() {
		if d.Redelivered {
			t.Errorf("%s redelivered: a refused message was handled twice", d.Body)
		}
	}
}

// TestIntegrationOneRefusedMessageDoesNotPause checks that one message
// whose inject the platform refuses (while it accepts the registrations)
// is rejected after exactly AuthFailures tries, its inject id logged,
// without pausing the daemon: its redeliveries are not messages in a row.
func TestIntegrationOneRefusedMessageDoesNotPause(t *testing.T) {
	h := &deliveries{fn: func(d serve.Delivery, _ int) error {
		if strings.Contains(string(d.Body), "gone") {
			return &serve.UnauthorizedError{Err: errors.New("reception rejected: status 404"), Key: "inj-gone", Injector: "nmap"}
		}
		return nil
	}}
	f := newFixture(t, h)
	url := f.listen(t, time.Hour) // no heartbeat: the daemon checks the token itself
	f.d.AuthFailures = 3
	start(t, f.d)
	servetest.Publish(t, f.queue, []byte(`{"inject":"gone"}`))
	waitFor(t, "the message rejected", func() bool {
		return servetest.Metric(t, f.metrics, "injectkit_messages_total", "outcome", "rejected") == 1
	})
	if n := len(h.all()); n != 3 {
		t.Errorf("handled %d times, want AuthFailures (3)", n)
	}
	if got := servetest.Metric(t, f.metrics, "injectkit_auth_failures_total"); got != 1 {
		t.Errorf("auth failures %v for one message refused 3 times, want 1: messages are counted, not refusals", got)
	}
	if got := servetest.Metric(t, f.metrics, "injectkit_injects_failed_total", "injector", "nmap"); got != 1 {
		t.Errorf("injects failed %v, want the rejected one counted under its injector", got)
	}
	if f.logs.FilterMessageSnippet("consumption paused").Len() != 0 {
		t.Error("one refused message paused the daemon")
	}
	rejected := f.logs.FilterMessageSnippet("message rejected without requeue").All()
	if len(rejected) != 1 || rejected[0].ContextMap()["inject_id"] != "inj-gone" {
		t.Errorf("rejection logged %d times, or without its inject id: %+v", len(rejected), rejected)
	}
	servetest.Publish(t, f.queue, []byte(`{"ok":1}`))
	waitFor(t, "the next message handled", func() bool { return len(h.all()) == 4 })
	waitFor(t, "healthy", func() bool { code, _ := servetest.Health(t, url); return code == http.StatusOK })
}

// TestIntegrationHandlerPause checks a Handler's PauseError: the message
// is kept by its worker, the daemon stops consuming (connected all the
// same) with the reason in /healthz, and once the Handler's Wait returns
// it hands the message again, flagged redelivered, and consumes again.
func TestIntegrationHandlerPause(t *testing.T) {
	room := make(chan struct{})
	const reason = "outbox full: 900 of 1000 bytes stored"
	var now atomic.Pointer[string] // the reason as it is now, once it changed
	h := &deliveries{fn: func(_ serve.Delivery, n int) error {
		if n > 1 {
			return nil
		}
		current := func() string {
			if p := now.Load(); p != nil {
				return *p
			}
			return ""
		}
		return &serve.PauseError{Err: errors.New("full"), Reason: reason, Current: current, Wait: func(ctx context.Context) error {
			select {
			case <-room:
				return nil
			case <-ctx.Done():
				return ctx.Err()
			}
		}}
	}}
	f := newFixture(t, h)
	url := f.listen(t, time.Hour)
	start(t, f.d)
	servetest.Publish(t, f.queue, []byte(`{"n":1}`))
	// The message is kept unacknowledged by its worker, not returned to
	// the queue, while the consumer is cancelled.
	waitFor(t, "the consumption paused with the message kept", func() bool {
		ready, c := servetest.Counts(t, f.queue)
		return c == 0 && ready == 0 && servetest.Metric(t, f.metrics, "injectkit_consumption_paused") == 1
	})
	code, hl := servetest.Health(t, url)
	if code != http.StatusServiceUnavailable || hl.Reason != reason || !hl.Paused || !hl.BrokerConnected {
		t.Errorf("health while paused: %d %+v", code, hl)
	}
	// The reason is read anew at each request, from the Handler.
	later := "outbox full: 950 of 1000 bytes stored"
	now.Store(&later)
	if code, hl := servetest.Health(t, url); code != http.StatusServiceUnavailable || hl.Reason != later || !hl.Paused {
		t.Errorf("health while paused, the outbox changed: %d %+v; want the reason %q", code, hl, later)
	}
	if n := len(h.all()); n != 1 {
		t.Errorf("handled %d times before the pause ended, want once", n)
	}
	if got := servetest.Metric(t, f.metrics, "injectkit_messages_total", "outcome", "requeued"); got != 0 {
		t.Errorf("requeued = %v, want 0: the message is kept by its worker", got)
	}
	close(room)
	waitFor(t, "the message handled again", func() bool {
		return servetest.Metric(t, f.metrics, "injectkit_messages_total", "outcome", "acked") == 1
	})
	waitFor(t, "healthy again", func() bool { code, _ := servetest.Health(t, url); return code == http.StatusOK })
	if got := servetest.Metric(t, f.metrics, "injectkit_consumption_paused"); got != 0 || len(h.all()) != 2 {
		t.Errorf("paused gauge %v, %d handlings; want 0, 2", got, len(h.all()))
	}
	if got := h.all(); len(got) == 2 && !got[1].Redelivered {
		t.Error("the kept message handed again as new: the platform's status of its inject is not checked first")
	}
}

// TestIntegrationMessageLargerThanTheMaximum checks that a message over
// MaxMessageSize is rejected without requeue and never handed to the
// handler (nothing decodes it; an OversizeHandler sees its head and names
// its inject for the log), and that one at the maximum is handled. The
// maximum is 128 KiB, not the default 16 MiB (TestMaxMessageSizeDefault):
// 32 MiB through the race detector's amqp091 and a persisting broker took
// 40 s to 2 min on a loaded host, past waitFor's bound, and the broker cut
// the connection of a daemon too starved to read them in its send timeout.
func TestIntegrationMessageLargerThanTheMaximum(t *testing.T) {
	h := &deliveries{}
	f := newFixture(t, h)
	const maxSize = 2 * serve.OversizeHead // above the head the handler is shown
	f.d.MaxMessageSize = maxSize
	start(t, f.d)
	atMax := make([]byte, maxSize)
	over := append([]byte(`{"inject_id":"inj-big"}`), make([]byte, maxSize)...)
	servetest.Publish(t, f.queue, over, atMax)
	waitFor(t, "both settled", func() bool {
		return servetest.Metric(t, f.metrics, "injectkit_messages_total", "outcome", "rejected") == 1 &&
			servetest.Metric(t, f.metrics, "injectkit_messages_total", "outcome", "acked") == 1
	})
	if got := h.all(); len(got) != 1 || len(got[0].Body) != maxSize {
		t.Errorf("handler given %d messages, want the one at the maximum", len(got))
	}
	if ready, _ := servetest.Counts(t, f.queue); ready != 0 {
		t.Errorf("%d messages left: the large one was requeued", ready)
	}
	entries := f.logs.FilterMessage("message rejected without requeue").All()
	if len(entries) != 1 {
		t.Fatalf("rejection logged %d times", len(entries))
	}
	reason, _ := entries[0].ContextMap()["reason"].(string)
	if !strings.Contains(reason, fmt.Sprintf("(inject inj-big): %d bytes, more than the max message size of %d bytes", len(over), maxSize)) ||
		!strings.Contains(reason, "max_message_size") {
		t.Errorf("reason %q does not say the inject, the size and the setting", reason)
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if len(h.heads) != 1 || h.heads[0] != serve.OversizeHead {
		t.Errorf("oversize handler shown heads of %v bytes, want one of %d", h.heads, serve.OversizeHead)
	}
}

// TestIntegrationStopWhilePaused checks that a daemon whose consumption is
// paused stops at once, leaving the messages published since in the queue.
func TestIntegrationStopWhilePaused(t *testing.T) {
	h := &deliveries{fn: func(serve.Delivery, int) error {
		return serve.Unauthorized(errors.New("status 403"), true)
	}}
	f := newFixture(t, h)
	f.d.AuthFailures = 1
	f.reg.set(f.reg.reg, nil)
	stop := start(t, f.d)
	servetest.Publish(t, f.queue, []byte(`{"n":1}`))
	waitFor(t, "the consumption paused", func() bool { return servetest.Metric(t, f.metrics, "injectkit_consumption_paused") == 1 })
	f.reg.set(f.reg.reg, errors.New("platform: 502")) // no heartbeat ends the pause
	servetest.Publish(t, f.queue, []byte(`{"n":2}`))
	if err := stop(); err != nil {
		t.Fatalf("Run = %v", err)
	}
	if ready, consumers := servetest.Counts(t, f.queue); ready != 1 || consumers != 0 {
		t.Errorf("after the stop: %d ready, %d consumers; want 1, 0", ready, consumers)
	}
}
