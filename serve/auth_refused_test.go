package serve_test

import (
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/injectkit/injectkit/serve"
	"github.com/injectkit/injectkit/serve/servetest"
)

// TestIntegrationRefusalClearedByRegistration checks that a refusal stops
// degrading /healthz once a registration succeeds, with no other message
// coming (an idle queue).
func TestIntegrationRefusalClearedByRegistration(t *testing.T) {
	h := &deliveries{fn: func(serve.Delivery, int) error {
		return serve.Unauthorized(errors.New("complete rejected: status 401"), true)
	}}
	f := newFixture(t, h)
	url := f.listen(t, 20*time.Millisecond)
	start(t, f.d)
	waitFor(t, "healthy", func() bool { code, _ := servetest.Health(t, url); return code == http.StatusOK })
	f.reg.set(f.reg.reg, errors.New("platform: 401"))
	servetest.Publish(t, f.queue, []byte(`{"deny":1}`))
	waitFor(t, "the refusal", func() bool { return servetest.Metric(t, f.metrics, "injectkit_auth_failures_total") == 1 })
	if _, hl := servetest.Health(t, url); !hl.TokenRefused {
		t.Fatalf("health after the refusal: %+v", hl)
	}
	f.reg.set(f.reg.reg, nil)
	waitFor(t, "healthy after a registration", func() bool {
		code, hl := servetest.Health(t, url)
		return code == http.StatusOK && !hl.TokenRefused
	})
	if n := len(h.all()); n != 1 {
		t.Errorf("%d messages handled, want the one", n)
	}
}

// TestIntegrationUnauthorizedWithoutDurableResultIsKept checks that a
// refusal with nothing kept keeps the message with its worker, which
// hands it to the Handler again (flagged redelivered) rather than losing
// it or returning it to the broker; the message, refused twice with no
// key naming it, is counted once in the auth failures.
func TestIntegrationUnauthorizedWithoutDurableResultIsKept(t *testing.T) {
	h := &deliveries{fn: func(_ serve.Delivery, n int) error {
		if n <= 2 {
			return serve.Unauthorized(errors.New("reception rejected: status 403"), false)
		}
		return nil
	}}
	f := newFixture(t, h)
	start(t, f.d)
	servetest.Publish(t, f.queue, []byte(`{"n":1}`))
	waitFor(t, "handled again and acknowledged", func() bool {
		return servetest.Metric(t, f.metrics, "injectkit_messages_total", "outcome", "acked") == 1
	})
	if got := h.all(); len(got) != 3 || !got[1].Redelivered || !got[2].Redelivered {
		t.Errorf("handlings %+v, want three, the later ones flagged redelivered", got)
	}
	if got := servetest.Metric(t, f.metrics, "injectkit_auth_failures_total"); got != 1 {
		t.Errorf("auth failures %v for one message refused twice, want 1", got)
	}
	if got := servetest.Metric(t, f.metrics, "injectkit_messages_total", "outcome", "requeued"); got != 0 {
		t.Errorf("requeued = %v, want 0: the message is kept by its worker", got)
	}
}

// TestIntegrationUnauthorizedAfterARunIsNotRunAgain checks that a refusal
// of the result of an inject that ran, with nothing keeping the result,
// acknowledges the message: the inject is not run a second time.
func TestIntegrationUnauthorizedAfterARunIsNotRunAgain(t *testing.T) {
	h := &deliveries{fn: func(serve.Delivery, int) error {
		return &serve.UnauthorizedError{Err: errors.New("complete rejected: status 401"), Ran: true, Key: "inj-1"}
	}}
	f := newFixture(t, h)
	start(t, f.d)
	servetest.Publish(t, f.queue, []byte(`{"n":1}`))
	waitFor(t, "acknowledged", func() bool {
		return servetest.Metric(t, f.metrics, "injectkit_messages_total", "outcome", "acked") == 1
	})
	if n := len(h.all()); n != 1 {
		t.Errorf("handled %d times, want once", n)
	}
	if ready, _ := servetest.Counts(t, f.queue); ready != 0 {
		t.Errorf("%d messages left in the queue", ready)
	}
}

// TestIntegrationUnauthorizedMessageRejectedOnceTheTokenWorks checks that
// a message whose own requests the platform refuses (nothing ran) is
// requeued while the registrations fail too, and rejected once it has
// been refused AuthFailures times with a registration accepted since its
// first refusal: the token works, only this inject is refused.
func TestIntegrationUnauthorizedMessageRejectedOnceTheTokenWorks(t *testing.T) {
	h := &deliveries{fn: func(serve.Delivery, int) error {
		return &serve.UnauthorizedError{Err: errors.New("reception rejected: status 404"), Key: "inj-gone"}
	}}
	f := newFixture(t, h)
	f.d.AuthFailures = 2
	f.d.HeartbeatInterval = 20 * time.Millisecond
	f.d.RequeueDelay = time.Millisecond
	start(t, f.d)
	waitFor(t, "registered", func() bool { return f.reg.count() > 0 })
	f.reg.set(f.reg.reg, errors.New("platform: 401")) // the token refused everywhere
	servetest.Publish(t, f.queue, []byte(`{"inject":"gone"}`))
	waitFor(t, "the consumption paused", func() bool { return servetest.Metric(t, f.metrics, "injectkit_consumption_paused") == 1 })
	if got := servetest.Metric(t, f.metrics, "injectkit_messages_total", "outcome", "rejected"); got != 0 {
		t.Fatalf("rejected = %v while no registration was accepted: a token refused everywhere loses messages", got)
	}
	f.reg.set(f.reg.reg, nil) // the token works again; the inject stays refused
	waitFor(t, "the message rejected", func() bool {
		return servetest.Metric(t, f.metrics, "injectkit_messages_total", "outcome", "rejected") == 1
	})
	if ready, _ := servetest.Counts(t, f.queue); ready != 0 {
		t.Errorf("%d messages left in the queue", ready)
	}
	if f.logs.FilterMessageSnippet("message rejected without requeue").Len() != 1 {
		t.Error("the rejection is not logged once")
	}
}

// A message's refusal is counted in injectkit_auth_failures_total once,
// however often it is refused, until it is acknowledged, rejected or
// handled: the same inject delivered later and refused again (another
// outage) is counted again.
func TestIntegrationRefusedAgainAfterSettledCountsAgain(t *testing.T) {
	refused := errors.New("reception rejected: status 401")
	tests := []struct {
		name string
		fn   func(d serve.Delivery, n int) error
		want string // the outcome each delivery ends with
	}{
		{"acknowledged, its result kept", func(serve.Delivery, int) error {
			return &serve.UnauthorizedError{Err: refused, Durable: true, Key: "inj-x"}
		}, "acked"},
		{"handled after a refusal, named by its body", func(_ serve.Delivery, n int) error {
			if n%2 == 1 {
				return serve.Unauthorized(refused, false)
			}
			return nil
		}, "acked"},
		{"rejected", func(serve.Delivery, int) error {
			return &serve.UnauthorizedError{Err: refused, Key: "inj-x"}
		}, "rejected"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, &deliveries{fn: tt.fn})
			f.d.AuthFailures = 3
			start(t, f.d)
			for i := 1; i <= 2; i++ {
				servetest.Publish(t, f.queue, []byte(`{"inject_id":"inj-x"}`))
				waitFor(t, "the delivery settled", func() bool {
					return servetest.Metric(t, f.metrics, "injectkit_messages_total", "outcome", tt.want) == float64(i)
				})
				if got := servetest.Metric(t, f.metrics, "injectkit_auth_failures_total"); got != float64(i) {
					t.Errorf("auth failures %v after %d deliveries each refused, want %d", got, i, i)
				}
			}
		})
	}
}
