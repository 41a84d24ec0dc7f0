package serve

import (
	"context"
	"testing"
	"testing/synctest"

	amqp "github.com/rabbitmq/amqp091-go"
)

// TestExecutedStoringWaitsForASlotOnlyOnceStored: a handling that stores
// its result before posting it (ExecutedStoring, then Stored) takes a
// free delivery slot at once; while every slot is held it keeps its
// worker, stores, and its message is acknowledged (Stored) before it
// waits for a slot, so that no result waits unstored and unacknowledged
// for one. Before, it waited for the slot first: a daemon killed then
// left its message to the broker, and another daemon ran the inject again.
func TestExecutedStoringWaitsForASlotOnlyOnceStored(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		release := map[string]chan struct{}{"a": make(chan struct{}), "b": make(chan struct{})}
		var storing, posting names
		r := newRunner(&Daemon{Registrar: okRegistrar{}, Workers: 2, DeliverySlots: 1})
		r.ctx, r.base = t.Context(), t.Context()
		t.Cleanup(func() { close(r.stopping) })
		s := &session{ch: &amqp.Channel{}}
		r.d.Handler = HandlerFunc(func(ctx context.Context, body []byte) error {
			if err := ExecutedStoring(ctx); err != nil {
				return err
			}
			storing.add(string(body))
			Stored(ctx) // the result is stored: the message is acknowledged
			posting.add(string(body))
			<-release[string(body)]
			return nil
		})
		ack := &counted{}
		take := func(body string) {
			t.Helper()
			r.slots <- struct{}{}
			r.start(s, amqp.Delivery{Acknowledger: ack, Body: []byte(body)})
			synctest.Wait()
		}
		take("a")
		if w, d := r.held(); w != 0 || d != 1 || !posting.has("a") || ack.n.Load() != 1 {
			t.Fatalf("a posting: %d workers, %d delivery slots, %d acks (posting %v), want 0, 1, 1", w, d, ack.n.Load(), posting.has("a"))
		}
		take("b") // the slot held by a: b is stored and acknowledged, then waits
		if w, d := r.held(); w != 1 || d != 1 || !storing.has("b") || posting.has("b") || ack.n.Load() != 2 {
			t.Fatalf("b ran, a posting: %d workers, %d delivery slots, %d acks (b stored %v, posting %v); want 1, 1, 2, "+
				"b stored and acknowledged, waiting for the slot", w, d, ack.n.Load(), storing.has("b"), posting.has("b"))
		}
		close(release["a"])
		synctest.Wait()
		if w, d := r.held(); w != 0 || d != 1 || !posting.has("b") {
			t.Fatalf("a settled: %d workers, %d delivery slots (b posting %v), want 0, 1, true", w, d, posting.has("b"))
		}
		close(release["b"])
		synctest.Wait()
		if w, d := r.held(); w != 0 || d != 0 || ack.n.Load() != 2 {
			t.Fatalf("both settled: %d workers, %d delivery slots, %d acks; want 0, 0, 2", w, d, ack.n.Load())
		}
	})
}
