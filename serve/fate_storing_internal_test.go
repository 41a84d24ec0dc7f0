package serve

import (
	"context"
	"testing"
	"testing/synctest"
	"time"
)

// TestShutdownWaitsForAResultBeingStored: a result whose delivery began
// (Executed) before the shutdown timeout, and whose storing outlasts the
// grace (a slow disk's commit), is not requeued by the shutdown: its
// worker acknowledges its message once it is kept. Before, the shutdown
// returned the message to the queue while the result was being stored;
// the commit then ended, the result stayed in the outbox to be sent later,
// and the inject ran again where the message was taken: two "complete"s.
func TestShutdownWaitsForAResultBeingStored(t *testing.T) {
	for _, slots := range []int{0, 1} {
		t.Run(map[int]string{0: "no delivery slots", 1: "a delivery slot"}[slots], func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				var stored names
				commit := make(chan struct{})
				r := newRunner(&Daemon{Registrar: okRegistrar{}, Workers: 1, DeliverySlots: slots, ShutdownTimeout: time.Minute,
					Handler: outboxed{stored: &stored, HandlerFunc: func(ctx context.Context, body []byte) error {
						if err := Executed(ctx); err != nil {
							return err
						}
						<-commit // the store's commit outlasts the shutdown timeout and the grace
						stored.add(string(body))
						return nil
					}}})
				a := startA(t, r)
				synctest.Wait()
				stopped := shutdownPastTheGrace(r)
				if a.requeued.Load() != 0 || a.acked.Load() != 0 {
					t.Fatalf("past the grace, its result not yet stored: %d acked, %d requeued; want it left to its worker",
						a.acked.Load(), a.requeued.Load())
				}
				close(commit)
				<-stopped
				if a.acked.Load() != 1 || a.requeued.Load() != 0 || !stored.has("a") {
					t.Errorf("%d acked, %d requeued, stored %v; want acknowledged once, its result stored",
						a.acked.Load(), a.requeued.Load(), stored.has("a"))
				}
			})
		})
	}
}

// shutdownPastTheGrace starts r's shutdown and lets the bubble's clock run
// past its shutdown timeout and AbandonGrace, every goroutine then
// blocked; the channel it returns is closed once the shutdown returns.
// Call it in a synctest bubble.
func shutdownPastTheGrace(r *runner) <-chan struct{} {
	stopped := make(chan struct{})
	go func() {
		r.shutdown()
		close(stopped)
	}()
	time.Sleep(r.shutdownTimeout + AbandonGrace + time.Second)
	synctest.Wait()
	return stopped
}
