package serve

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"
)

// counted counts the messages acknowledged.
type counted struct{ n atomic.Int32 }

func (a *counted) Ack(uint64, bool) error        { a.n.Add(1); return nil }
func (a *counted) Nack(uint64, bool, bool) error { return errors.New("not nacked in these tests") }
func (a *counted) Reject(uint64, bool) error     { return errors.New("not rejected in these tests") }
func (r *runner) held() (workers, delivery int)  { return len(r.slots), len(r.delivery) }

// stageRunner is a runner of one worker and one delivery slot, its
// Handler h.
func stageRunner(t *testing.T, h HandlerFunc) (*runner, *session) {
	r := newRunner(&Daemon{Registrar: okRegistrar{}, Workers: 1, DeliverySlots: 1, Handler: h})
	r.ctx, r.base = t.Context(), t.Context()
	t.Cleanup(func() { close(r.stopping) })
	return r, &session{ch: &amqp.Channel{}}
}

// TestExecutedFreesTheWorker: a message whose Handler said that only its
// delivery is left (Executed) gives its worker to the next message while
// it delivers, holding a delivery slot, and is acknowledged once its
// Handler returns; a second one that ran meanwhile waits for the delivery
// slot, its worker held, so that at most Workers + DeliverySlots messages
// are handled at once, and takes it once the first is settled. Before,
// a worker was held to the message's acknowledgement: the next message
// waited for the last one's commit and POST.
func TestExecutedFreesTheWorker(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		release := map[string]chan struct{}{"a": make(chan struct{}), "b": make(chan struct{})}
		var delivering names
		r, s := stageRunner(t, func(ctx context.Context, body []byte) error {
			Executed(ctx)
			delivering.add(string(body))
			<-release[string(body)]
			return nil
		})
		ack := &counted{}
		take := func(body string) {
			t.Helper()
			select {
			case r.slots <- struct{}{}:
			default:
				t.Fatalf("no worker free for %s", body)
			}
			r.start(s, amqp.Delivery{Acknowledger: ack, Body: []byte(body)})
			synctest.Wait()
		}
		take("a")
		if w, d := r.held(); w != 0 || d != 1 || !delivering.has("a") {
			t.Fatalf("a delivering: %d workers and %d delivery slots held (a delivering: %v), want 0 and 1", w, d, delivering.has("a"))
		}
		take("b") // its worker free: b runs while a delivers
		if w, d := r.held(); w != 1 || d != 1 || delivering.has("b") {
			t.Fatalf("b executed, a delivering: %d workers, %d delivery slots (b delivering: %v), want 1 and 1, b waiting for the slot", w, d, delivering.has("b"))
		}
		close(release["a"])
		synctest.Wait()
		if w, d := r.held(); w != 0 || d != 1 || !delivering.has("b") || ack.n.Load() != 1 {
			t.Fatalf("a settled: %d workers, %d delivery slots, b delivering %v, %d counted; want 0, 1, true, 1", w, d, delivering.has("b"), ack.n.Load())
		}
		close(release["b"])
		synctest.Wait()
		if w, d := r.held(); w != 0 || d != 0 || ack.n.Load() != 2 {
			t.Fatalf("both settled: %d workers, %d delivery slots, %d counted; want 0, 0, 2", w, d, ack.n.Load())
		}
	})
}

// TestExecutedThenHandledAgainTakesAWorker: a handling that said it only
// delivers, then failed transiently, is handled again (its inject run
// again) holding a worker, not its delivery slot; Executed after the
// message is settled, or on a daemon without delivery slots, frees
// nothing.
func TestExecutedThenHandledAgainTakesAWorker(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		again := make(chan [2]int, 1)
		var late context.Context
		r, s := stageRunner(t, nil)
		r.d.Handler = HandlerFunc(func(ctx context.Context, body []byte) error {
			if late == nil {
				late = ctx
				Executed(ctx)
				return errors.New("platform unavailable") // transient
			}
			w, d := r.held()
			again <- [2]int{w, d}
			return nil
		})
		ack := &counted{}
		r.slots <- struct{}{}
		r.start(s, amqp.Delivery{Acknowledger: ack, Body: []byte("a")})
		held := <-again // after the retry delay
		synctest.Wait()
		if held != [2]int{1, 0} || ack.n.Load() != 1 {
			t.Fatalf("handled again holding %d workers and %d delivery slots (%d acks), want 1 and 0 (1)", held[0], held[1], ack.n.Load())
		}
		Executed(late)
		if w, d := r.held(); w != 0 || d != 0 {
			t.Fatalf("Executed after the settle: %d workers, %d delivery slots held, want none", w, d)
		}
	})
	synctest.Test(t, func(t *testing.T) {
		held := -1
		var r *runner
		r = newRunner(&Daemon{Registrar: okRegistrar{}, Workers: 1, Handler: HandlerFunc(func(ctx context.Context, _ []byte) error {
			Executed(ctx)
			held = len(r.slots)
			return nil
		})})
		r.ctx, r.base = t.Context(), t.Context()
		defer close(r.stopping)
		r.slots <- struct{}{}
		r.start(&session{ch: &amqp.Channel{}}, amqp.Delivery{Acknowledger: &counted{}, Body: []byte("a")})
		synctest.Wait()
		if held != 1 || r.capacity() != 1 {
			t.Fatalf("without delivery slots: %d workers held after Executed, prefetch %d; want 1, 1", held, r.capacity())
		}
	})
}

// names is a set of names, safe for concurrent use.
type names struct {
	mu sync.Mutex
	m  map[string]bool
}

func (n *names) add(k string) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.m == nil {
		n.m = map[string]bool{}
	}
	n.m[k] = true
}

func (n *names) has(k string) bool {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.m[k]
}

// settlements counts the messages acknowledged and requeued.
type settlements struct{ acked, requeued atomic.Int32 }

func (s *settlements) Ack(uint64, bool) error        { s.acked.Add(1); return nil }
func (s *settlements) Nack(uint64, bool, bool) error { s.requeued.Add(1); return nil }
func (s *settlements) Reject(uint64, bool) error     { return errors.New("not rejected in these tests") }

// TestShutdownWhileWaitingForAWorkerToHandleAgain: a handling that said
// it only delivers, then failed transiently, waits for a worker to be
// handled again; when the shutdown starts meanwhile its message is
// returned to the queue, as one waiting out its retry delay is, and not
// handled again once a worker is free: its inject would have run after
// the shutdown began.
func TestShutdownWhileWaitingForAWorkerToHandleAgain(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		release := make(chan struct{})
		var handled atomic.Int32
		r := newRunner(&Daemon{Registrar: okRegistrar{}, Workers: 1, DeliverySlots: 1,
			Handler: HandlerFunc(func(ctx context.Context, body []byte) error {
				if string(body) == "b" {
					<-release // runs its inject, holding the worker
					return nil
				}
				if handled.Add(1) == 1 {
					Executed(ctx)
					return errors.New("platform unavailable") // transient
				}
				return nil
			})})
		r.ctx, r.base = t.Context(), t.Context()
		s := &session{ch: &amqp.Channel{}}
		a, b := &settlements{}, &settlements{}
		r.slots <- struct{}{}
		r.start(s, amqp.Delivery{Acknowledger: a, Body: []byte("a")})
		synctest.Wait() // a waits out its retry delay in its delivery slot
		r.slots <- struct{}{}
		r.start(s, amqp.Delivery{Acknowledger: b, Body: []byte("b")})
		time.Sleep(time.Minute) // a's retry delay passes: it waits for b's worker
		synctest.Wait()
		if w, d := r.held(); w != 1 || d != 0 || handled.Load() != 1 {
			t.Fatalf("a waiting for a worker: %d workers, %d delivery slots held, a handled %d times; want 1, 0, 1", w, d, handled.Load())
		}
		close(r.stopping)
		synctest.Wait()
		if a.requeued.Load() != 1 || a.acked.Load() != 0 {
			t.Errorf("a at the shutdown: %d requeued, %d acked; want 1 requeued", a.requeued.Load(), a.acked.Load())
		}
		close(release)
		synctest.Wait()
		if n := handled.Load(); n != 1 {
			t.Errorf("a handled %d times, want once: not again after the shutdown started", n)
		}
		if w, d := r.held(); w != 0 || d != 0 || b.acked.Load() != 1 {
			t.Errorf("all settled: %d workers, %d delivery slots held, b acked %d; want 0, 0, 1", w, d, b.acked.Load())
		}
	})
}
