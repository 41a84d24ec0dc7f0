package serve

import (
	"context"
	"errors"
	"testing"
	"testing/synctest"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"
)

// TestShutdownDropsTheResultOfARequeuedRun: an inject still running at
// the shutdown timeout, its result not kept, has its message returned to
// the queue, where the inject runs again in full; when the run here ends
// (cut short, or late), Executed refuses its result (ErrRequeued), which
// is neither stored nor sent, and one WARN says the message was requeued
// and the result dropped. Before, Executed let it through: the result was
// stored (and posted) for a message that was requeued, and the platform
// got a second result for the inject.
func TestShutdownDropsTheResultOfARequeuedRun(t *testing.T) {
	for _, slots := range []int{0, 1} {
		t.Run(map[int]string{0: "no delivery slots", 1: "a delivery slot"}[slots], func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				var stored names
				release := make(chan struct{})
				said := make(chan error, 1)
				core, logs := observer.New(zapcore.WarnLevel)
				r := newRunner(&Daemon{Registrar: okRegistrar{}, Workers: 1, DeliverySlots: slots, ShutdownTimeout: time.Minute,
					Log: zap.New(core), Handler: outboxed{stored: &stored, HandlerFunc: func(ctx context.Context, body []byte) error {
						<-release // the inject still runs at the shutdown timeout
						err := Executed(ctx)
						said <- err
						if err != nil {
							return err
						}
						stored.add(string(body)) // the result is durable, and posted
						return nil
					}}})
				a := startA(t, r)
				synctest.Wait()
				r.shutdown() // past the shutdown timeout and the grace
				if a.requeued.Load() != 1 || a.acked.Load() != 0 {
					t.Fatalf("at the shutdown: %d acked, %d requeued; want requeued once", a.acked.Load(), a.requeued.Load())
				}
				close(release)
				if err := <-said; !errors.Is(err, ErrRequeued) {
					t.Errorf("Executed after the requeue = %v, want ErrRequeued", err)
				}
				synctest.Wait()
				if stored.has("a") {
					t.Error("the result of a run whose message was requeued was stored: the inject runs again, and completes twice")
				}
				if a.requeued.Load() != 1 || a.acked.Load() != 0 {
					t.Errorf("after the run: %d acked, %d requeued; want requeued once", a.acked.Load(), a.requeued.Load())
				}
				lines := logs.FilterMessageSnippet("this run's result is dropped").All()
				if len(lines) != 1 || logs.Len() != 2 { // and the shutdown's "requeued the unfinished injects"
					t.Errorf("logged %v; want one WARN saying the message was requeued and the result dropped", logs.All())
				}
			})
		})
	}
}

// startA starts the handling of one message, "a", on r, in a worker slot
// taken for it, the test's context its run's, and returns what settles it.
func startA(t *testing.T, r *runner) *settlements {
	r.ctx, r.base = t.Context(), t.Context()
	a := &settlements{}
	r.slots <- struct{}{}
	r.start(&session{ch: &amqp.Channel{}}, amqp.Delivery{Acknowledger: a, Body: []byte("a")})
	return a
}

// TestExecutedBeforeTheShutdownTimeoutIsNotDropped: a result whose
// delivery began (Executed) before the shutdown timeout is not dropped:
// its message is acknowledged once it is kept.
func TestExecutedBeforeTheShutdownTimeoutIsNotDropped(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var stored names
		release := make(chan struct{})
		r := newRunner(&Daemon{Registrar: okRegistrar{}, Workers: 1, ShutdownTimeout: time.Minute,
			Handler: outboxed{stored: &stored, HandlerFunc: func(ctx context.Context, body []byte) error {
				if err := Executed(ctx); err != nil {
					return err
				}
				stored.add(string(body))
				<-release // its POST outlives the shutdown
				return nil
			}}})
		a := startA(t, r)
		synctest.Wait()
		r.shutdown()
		close(release)
		synctest.Wait()
		if a.acked.Load() != 1 || a.requeued.Load() != 0 || !stored.has("a") {
			t.Errorf("%d acked, %d requeued, stored %v; want acked once, its result stored", a.acked.Load(), a.requeued.Load(), stored.has("a"))
		}
	})
}

// TestShutdownDropsTheResultOfARunAgain: a handling that said its
// inject ran (Executed), then failed transiently, is handled again; that
// handling runs the inject afresh, so when the shutdown timeout requeues
// the message while it runs, its result is dropped too: the first
// handling's Executed does not let it through.
func TestShutdownDropsTheResultOfARunAgain(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		release := make(chan struct{})
		said := make(chan error, 1)
		var stored names
		calls := 0
		r := newRunner(&Daemon{Registrar: okRegistrar{}, Workers: 1, ShutdownTimeout: time.Minute, RequeueDelay: time.Second,
			Handler: outboxed{stored: &stored, HandlerFunc: func(ctx context.Context, body []byte) error {
				if calls++; calls == 1 {
					if err := Executed(ctx); err != nil {
						return err
					}
					return errors.New("platform unreachable") // nothing kept: handled again
				}
				<-release // the run again still runs at the shutdown timeout
				err := Executed(ctx)
				said <- err
				if err == nil {
					stored.add(string(body))
				}
				return err
			}}})
		a := startA(t, r)
		time.Sleep(2 * time.Second) // synctest's clock: past the retry delay
		synctest.Wait()
		if calls != 2 {
			t.Fatalf("%d handlings, want 2: handled again after the failure", calls)
		}
		r.shutdown()
		close(release)
		if err := <-said; !errors.Is(err, ErrRequeued) {
			t.Errorf("Executed of the run again after the requeue = %v, want ErrRequeued", err)
		}
		synctest.Wait()
		if stored.has("a") || a.requeued.Load() != 1 || a.acked.Load() != 0 {
			t.Errorf("stored %v, %d acked, %d requeued; want nothing stored, requeued once", stored.has("a"), a.acked.Load(), a.requeued.Load())
		}
	})
}

// refusalDelivery is a Handler's error of a refusal's delivery, as
// runtime.DeliveryError says of one (OfRejection).
type refusalDelivery struct{ err error }

func (e refusalDelivery) Error() string     { return "deliver rejection: " + e.err.Error() }
func (e refusalDelivery) Unwrap() error     { return e.err }
func (e refusalDelivery) OfRejection() bool { return true }

// TestShutdownDroppedRefusalSaysSo: a handling that refused its inject
// (nothing ran) when the shutdown timeout requeued its message has its
// refusal dropped, and the one WARN says a refusal was dropped, not
// "this run's result": before, the line said the inject ran and its
// result was dropped, though nothing ran.
func TestShutdownDroppedRefusalSaysSo(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		release := make(chan struct{})
		core, logs := observer.New(zapcore.WarnLevel)
		r := newRunner(&Daemon{Registrar: okRegistrar{}, Workers: 1, ShutdownTimeout: time.Minute, Log: zap.New(core),
			Handler: HandlerFunc(func(ctx context.Context, body []byte) error {
				<-release // the platform's listing answers after the shutdown timeout
				if err := Executed(ctx); err != nil {
					return refusalDelivery{err}
				}
				return errors.New("the refusal was let through")
			})})
		a := startA(t, r)
		synctest.Wait()
		r.shutdown()
		close(release)
		synctest.Wait()
		if a.requeued.Load() != 1 || a.acked.Load() != 0 {
			t.Errorf("%d acked, %d requeued; want requeued once", a.acked.Load(), a.requeued.Load())
		}
		lines := logs.FilterMessageSnippet("this handling's refusal of the inject (which did not run) is dropped").All()
		if len(lines) != 1 || logs.FilterMessageSnippet("this run's result").Len() != 0 {
			t.Errorf("logged %v; want one WARN saying the refusal was dropped, none of a run's result", logs.All())
		}
	})
}
