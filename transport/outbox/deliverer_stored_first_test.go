package outbox_test

import (
	"context"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"github.com/injectkit/injectkit/runtime"
	"github.com/injectkit/injectkit/transport/callback"
	"github.com/injectkit/injectkit/transport/outbox"
)

// TestDelivererPostsNothingBeforeStoredReturns: the Sized hook's stored
// func runs before the first body is posted, and nothing is posted while
// it runs, however the bodies are stored (one body; several in one
// transaction; several with a Before hook, stored whole first): a caller
// may wait there, its result stored, before the POSTs begin (serve's
// delivery slots: a result is stored before it waits for one). Before,
// bodies stored in one transaction were handed to the POST loop before
// stored was called, and posted while it ran.
func TestDelivererPostsNothingBeforeStoredReturns(t *testing.T) {
	for _, tc := range []struct {
		name    string
		targets int
		before  bool
	}{
		{name: "one body", targets: 1},
		{name: "several bodies, one transaction", targets: 40},
		{name: "several bodies, a Before hook", targets: 40, before: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var posted atomic.Int32
			be := newCallbackSink(t, func(int) int { posted.Add(1); return http.StatusOK })
			ob := openStore(t, outbox.Options{})
			var p outbox.Profile = callback.Deliverer{Client: client(t, be.URL)}
			if tc.before {
				p = beforeProfile{p}
			}
			calls := 0
			d := &outbox.Deliverer{Profile: p, Store: ob, Sized: func(context.Context, int64) func() {
				return func() {
					calls++
					// What a POST loop started meanwhile would have sent
					// by now: a loopback POST takes a millisecond.
					deadline := time.Now().Add(200 * time.Millisecond)
					for time.Now().Before(deadline) && posted.Load() == 0 {
						time.Sleep(5 * time.Millisecond)
					}
					if n := posted.Load(); n != 0 {
						t.Errorf("%d bodies posted while stored ran, want none before it returns", n)
					}
				}
			}}
			if err := d.Deliver(context.Background(), report(t, "r", tc.targets)); err != nil {
				t.Fatal(err)
			}
			if calls != 1 || posted.Load() == 0 {
				t.Errorf("stored called %d times, %d bodies posted; want once, then every body", calls, posted.Load())
			}
			wantEmpty(t, ob, "once delivered")
		})
	}
}

// beforeProfile is a profile whose bodies have a Before hook that does
// nothing (the per-target traces of openaev's).
type beforeProfile struct{ outbox.Profile }

func (p beforeProfile) Bodies(ctx context.Context, r *runtime.Report) (outbox.Bodies, error) {
	b, err := p.Profile.Bodies(ctx, r)
	b.Before = func(context.Context) {}
	return b, err
}
