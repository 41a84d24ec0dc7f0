package serve

import (
	"context"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"
)

// outboxed is an Abandoner whose Handler stores each result it delivers
// (an outbox): Kept says so of the bodies stored.
type outboxed struct {
	HandlerFunc
	stored *names
}

func (outboxed) Abandon()                {}
func (o outboxed) Kept(body []byte) bool { return o.stored.has(string(body)) }

// TestShutdownStoresTheResultWaitingForADeliverySlot: a handling that
// said only the delivery of its result is left (Executed) while every
// delivery slot is held waits for one, its worker held, to free that
// worker for the next message; once the shutdown starts no message is
// taken any more, so it goes on at once, holding its worker, and its
// result is stored and its message acknowledged. Before, it waited for the
// slot through the shutdown: a delivery outliving the shutdown timeout
// kept it waiting, its result not stored, so its message was returned to
// the queue (the inject ran again where it was taken) and its result then
// stored all the same (a second "complete").
func TestShutdownStoresTheResultWaitingForADeliverySlot(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var stored names
		release := make(chan struct{})
		var afterRequeue atomic.Bool
		b := &settlements{}
		r := newRunner(&Daemon{Registrar: okRegistrar{}, Workers: 1, DeliverySlots: 1, ShutdownTimeout: time.Minute,
			Handler: outboxed{stored: &stored, HandlerFunc: func(ctx context.Context, body []byte) error {
				Executed(ctx)
				if string(body) == "b" && b.requeued.Load() > 0 {
					afterRequeue.Store(true)
				}
				stored.add(string(body)) // the result is durable from now on
				if string(body) == "a" {
					<-release // a's POST outlives the shutdown timeout
				}
				return nil
			}}})
		r.ctx, r.base = t.Context(), t.Context()
		s := &session{ch: &amqp.Channel{}}
		a := &settlements{}
		r.slots <- struct{}{}
		r.start(s, amqp.Delivery{Acknowledger: a, Body: []byte("a")})
		synctest.Wait() // a delivers in the delivery slot
		r.slots <- struct{}{}
		r.start(s, amqp.Delivery{Acknowledger: b, Body: []byte("b")})
		synctest.Wait() // b ran, and waits for the delivery slot
		if stored.has("b") {
			t.Fatal("b stored before the shutdown: it did not wait for the delivery slot")
		}
		r.shutdown() // past the shutdown timeout: a is acknowledged, its result kept
		if b.acked.Load() != 1 || b.requeued.Load() != 0 || !stored.has("b") {
			t.Errorf("b at the shutdown: %d acked, %d requeued, stored %v; want acked once, its result stored",
				b.acked.Load(), b.requeued.Load(), stored.has("b"))
		}
		if a.acked.Load() != 1 || a.requeued.Load() != 0 {
			t.Errorf("a at the shutdown: %d acked, %d requeued; want acked once (its result kept)", a.acked.Load(), a.requeued.Load())
		}
		close(release)
		synctest.Wait()
		if afterRequeue.Load() {
			t.Error("b's result stored after its message was returned to the queue: its inject runs again, and completes twice")
		}
	})
}

// TestExecutedReturnsWhenItsContextIsDone: a caller that cancels the
// context it hands Executed, while every delivery slot is held, has it
// return then, its handling still holding its worker; before, it waited
// for a delivery slot all the same.
func TestExecutedReturnsWhenItsContextIsDone(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		release, cancelB := make(chan struct{}), make(chan struct{})
		var returned atomic.Bool
		r, s := stageRunner(t, func(ctx context.Context, body []byte) error {
			if string(body) == "a" {
				Executed(ctx)
				<-release
				return nil
			}
			ctx, cancel := context.WithCancel(ctx)
			go func() { <-cancelB; cancel() }()
			Executed(ctx)
			returned.Store(true)
			return nil
		})
		ack := &counted{}
		r.slots <- struct{}{}
		r.start(s, amqp.Delivery{Acknowledger: ack, Body: []byte("a")})
		synctest.Wait()
		r.slots <- struct{}{}
		r.start(s, amqp.Delivery{Acknowledger: ack, Body: []byte("b")})
		synctest.Wait()
		if returned.Load() {
			t.Fatal("Executed returned while every delivery slot was held and its context live")
		}
		close(cancelB)
		synctest.Wait()
		if w, d := r.held(); !returned.Load() || ack.n.Load() != 1 || w != 0 || d != 1 {
			t.Errorf("b's context cancelled: Executed returned %v, %d acks, %d workers and %d delivery slots held; want true, 1 (b's), 0, 1 (a's)",
				returned.Load(), ack.n.Load(), w, d)
		}
		close(release)
		synctest.Wait()
	})
}
