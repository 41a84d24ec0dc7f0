package outbox_test

import (
	"context"
	"errors"
	"net/http"
	"sync/atomic"
	"testing"

	"github.com/injectkit/injectkit/transport"
	"github.com/injectkit/injectkit/transport/callback"
	"github.com/injectkit/injectkit/transport/outbox"
)

type ctxKey struct{}

// TestDelivererSaysExecutedBeforeStoring: Deliver calls Executed once, with
// its caller's context, once the report's bodies are built and before
// any is stored or posted (a serve daemon frees the message's worker
// then: only the delivery is left), and delivers as without it.
func TestDelivererSaysExecutedBeforeStoring(t *testing.T) {
	var ob *outbox.Store
	var calls atomic.Int32
	be := newCallbackSink(t, func(n int) int {
		if calls.Load() != 1 {
			t.Errorf("request %d sent after %d calls of Executed, want 1", n, calls.Load())
		}
		return http.StatusOK
	})
	ob = openStore(t, outbox.Options{})
	c := client(t, be.URL, transport.WithToken("tok-secret-1"))
	d := &outbox.Deliverer{Profile: callback.Deliverer{Client: c}, Store: ob, Executed: func(ctx context.Context) error {
		calls.Add(1)
		if ctx.Value(ctxKey{}) != "handling" {
			t.Error("Executed without its caller's context")
		}
		if st, err := ob.Stats(); err != nil || st.Pending != 0 {
			t.Errorf("Executed with %d bodies stored (%v), want none yet", st.Pending, err)
		}
		return nil
	}}
	rep := report(t, "inj-1", 40)
	if err := d.Deliver(context.WithValue(context.Background(), ctxKey{}, "handling"), rep); err != nil {
		t.Fatal(err)
	}
	if n := calls.Load(); n != 1 {
		t.Errorf("Executed called %d times, want 1", n)
	}
	if got, want := len(be.Requests()), len(bodies(t, c, rep)); got != want || want == 0 {
		t.Errorf("%d requests for %d bodies", got, want)
	}
	wantEmpty(t, ob, "after delivery")
}

// TestDelivererExecutedRefusedStoresNothing: an Executed that refuses the
// delivery (a serve daemon's shutdown returned the message to the queue
// while the inject ran: serve.ErrRequeued) has Deliver return its error
// with nothing stored and nothing posted: the inject runs again where its
// message is taken, and this run's result must not reach the backend too.
// Before, Executed could not refuse: the result was stored, and posted.
func TestDelivererExecutedRefusedStoresNothing(t *testing.T) {
	refused := errors.New("message requeued")
	be := newCallbackSink(t, func(int) int { return http.StatusOK })
	ob := openStore(t, outbox.Options{})
	c := client(t, be.URL, transport.WithToken("tok-secret-1"))
	d := &outbox.Deliverer{Profile: callback.Deliverer{Client: c}, Store: ob,
		Executed: func(context.Context) error { return refused }}
	if err := d.Deliver(t.Context(), report(t, "inj-1", 40)); !errors.Is(err, refused) {
		t.Errorf("Deliver = %v, want Executed's refusal", err)
	}
	if n := len(be.Requests()); n != 0 {
		t.Errorf("%d requests sent, want none", n)
	}
	wantEmpty(t, ob, "after a refused delivery")
}

// TestDelivererExecutedGetsTheCallersContextOnceAborted: a send the abort
// cut short before it began (a daemon's shutdown timeout) still calls
// Executed with its caller's context, live, not the send's, which the
// abort ended: a serve daemon decides from it whether the result is
// delivered or dropped (serve.Executed), unaffected by the abort; the
// bodies are stored, none posted, and the error Is ErrAborted.
func TestDelivererExecutedGetsTheCallersContextOnceAborted(t *testing.T) {
	be := newCallbackSink(t, func(int) int { return http.StatusOK })
	ob := openStore(t, outbox.Options{})
	c := client(t, be.URL, transport.WithToken("tok-secret-1"))
	a := &abort{ch: make(chan struct{})}
	a.fire()
	var live atomic.Bool
	d := &outbox.Deliverer{Profile: callback.Deliverer{Client: c}, Store: ob, Abort: a, Executed: func(ctx context.Context) error {
		live.Store(ctx.Value(ctxKey{}) == "handling" && ctx.Err() == nil)
		return nil
	}}
	err := d.Deliver(context.WithValue(t.Context(), ctxKey{}, "handling"), report(t, "inj-1", 40))
	if !errors.Is(err, outbox.ErrAborted) {
		t.Errorf("Deliver = %v, want ErrAborted", err)
	}
	if !live.Load() {
		t.Error("Executed got a context other than its caller's, or one the abort ended")
	}
	if n := len(be.Requests()); n != 0 {
		t.Errorf("%d requests sent after the abort, want none", n)
	}
	if st, _ := ob.Stats(); st.Pending == 0 {
		t.Error("nothing stored: the result of a run the abort cut short is lost")
	}
}
