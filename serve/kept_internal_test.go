package serve

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"sync"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	amqp "github.com/rabbitmq/amqp091-go"
)

// settles counts how a message is settled, settling it on the broker's
// channel it came on.
type settles struct {
	amqp.Acknowledger
	mu                   sync.Mutex
	acks, nacks, rejects int
}

func (a *settles) Ack(tag uint64, multiple bool) error {
	a.mu.Lock()
	a.acks++
	a.mu.Unlock()
	return a.Acknowledger.Ack(tag, multiple)
}

func (a *settles) Nack(tag uint64, multiple, requeue bool) error {
	a.mu.Lock()
	a.nacks++
	a.mu.Unlock()
	return a.Acknowledger.Nack(tag, multiple, requeue)
}

func (a *settles) Reject(tag uint64, requeue bool) error {
	a.mu.Lock()
	a.rejects++
	a.mu.Unlock()
	return a.Acknowledger.Reject(tag, requeue)
}

func (a *settles) counts() (acks, nacks, rejects int) {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.acks, a.nacks, a.rejects
}

// handed records the deliveries handed to the Handler.
type handed struct {
	mu  sync.Mutex
	got []Delivery
}

func (h *handed) Handle(context.Context, []byte) error { return errors.New("unused") }

func (h *handed) HandleDelivery(_ context.Context, d Delivery) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.got = append(h.got, d)
	return nil
}

// loopbackQueue declares a queue of the test's own on the loopback broker
// (guest), deleted when the test ends, holding body, and returns its
// registration. The test is skipped when no broker answers.
func loopbackQueue(t *testing.T, body []byte) Registration {
	t.Helper()
	b := Broker{Host: "127.0.0.1", Port: 5672, VHost: "/", User: "guest", Pass: "guest"}
	conn, err := amqp.Dial("amqp://guest:guest@127.0.0.1:5672/")
	if err != nil {
		t.Skipf("no RabbitMQ broker on 127.0.0.1:5672: %v", err)
	}
	t.Cleanup(func() { _ = conn.Close() })
	ch, err := conn.Channel()
	if err != nil {
		t.Fatal(err)
	}
	name := "injectkit_test_kept_" + rand.Text()[:8] + hex.EncodeToString([]byte(t.Name()))[:8]
	if _, err := ch.QueueDeclare(name, false, true, false, false, nil); err != nil {
		t.Fatal(err)
	}
	if err := ch.PublishWithContext(t.Context(), "", name, false, false, amqp.Publishing{Body: body}); err != nil {
		t.Fatal(err)
	}
	return Registration{Broker: b, Queue: name}
}

// TestPrefetchedMessageKeptThroughAPause checks that a message the broker
// pushed before a pause stopped the consumption (prefetched, not yet
// handed to a worker) is kept unacknowledged while paused, not returned
// to the broker, whose quorum queue would count each return against its
// delivery limit, and handed to the Handler as a first delivery when the
// consumption resumes; only a session that ends while paused (a
// shutdown, another registration) returns it, named Returned when it
// comes back.
func TestPrefetchedMessageKeptThroughAPause(t *testing.T) {
	tests := []struct {
		name        string
		resume      bool // the pause ends; else the session ends while paused
		wantAcks    int
		wantNacks   int
		wantHandled int
	}{
		{"the pause ends: handled once, never returned", true, 1, 0, 1},
		{"the session ends while paused: returned once", false, 0, 1, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body := []byte(`{"injection":{"inject_id":"i-1"}}`)
			reg := loopbackQueue(t, body)
			h := &handed{}
			m := NewMetrics(prometheus.NewRegistry())
			r := newRunner(&Daemon{Handler: h, Workers: 2, Metrics: m})
			r.ctx, r.base = t.Context(), t.Context()
			s, err := r.connect(reg)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _ = s.conn.Close() })
			dl := <-s.deliveries
			acks := &settles{Acknowledger: dl.Acknowledger}
			dl.Acknowledger = acks
			// The message is pushed, not yet read by the consume loop,
			// when a worker's inject finds the outbox full.
			pushed := make(chan amqp.Delivery, 1)
			pushed <- dl
			close(pushed) // the consumer's cancel closes it
			s.deliveries = pushed
			r.hold.start(&PauseError{Err: errors.New("outbox full"), Reason: "outbox full"})
			requestPause(r.pause)
			if why := r.consume(t.Context(), s); why != endPaused {
				t.Fatalf("consume = %v, want endPaused", why)
			}
			r.stopConsuming(s)
			if _, nacks, _ := acks.counts(); nacks != 0 {
				t.Fatalf("the prefetched message returned to the queue %d times at the pause, want kept", nacks)
			}
			if tt.resume {
				r.hold.end()
				r.consume(t.Context(), s) // ends when the closed deliveries say the consumer is cancelled
				r.inflight.Wait()
			} else {
				r.returnKept(s)
			}
			acked, nacks, rejects := acks.counts()
			if acked != tt.wantAcks || nacks != tt.wantNacks || rejects != 0 {
				t.Errorf("acks %d, nacks %d, rejects %d; want %d, %d, 0", acked, nacks, rejects, tt.wantAcks, tt.wantNacks)
			}
			if got := pausedRequeues(t, m); got != float64(tt.wantNacks) {
				t.Errorf("messages_total{outcome=requeued} = %v, want %d", got, tt.wantNacks)
			}
			if len(h.got) != tt.wantHandled {
				t.Fatalf("handled %d times, want %d", len(h.got), tt.wantHandled)
			}
			if tt.resume && (h.got[0].Redelivered || h.got[0].Returned) {
				t.Errorf("kept message handed as redelivered %v, returned %v; want a first delivery", h.got[0].Redelivered, h.got[0].Returned)
			}
			if !tt.resume && !r.unhandled.take(body) {
				t.Error("the message returned unhandled is not named Returned when it comes back")
			}
		})
	}
}

// pausedRequeues returns injectkit_messages_total{outcome="requeued"}.
func pausedRequeues(t *testing.T, m *Metrics) float64 {
	t.Helper()
	mfs, err := m.gatherer.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != "injectkit_messages_total" {
			continue
		}
		for _, s := range mf.GetMetric() {
			for _, l := range s.GetLabel() {
				if l.GetName() == "outcome" && l.GetValue() == OutcomeRequeued {
					return s.GetCounter().GetValue()
				}
			}
		}
	}
	return 0
}
