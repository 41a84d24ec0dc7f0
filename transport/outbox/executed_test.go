package outbox_test

import (
	"context"
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
	d := &outbox.Deliverer{Profile: callback.Deliverer{Client: c}, Store: ob, Executed: func(ctx context.Context) {
		calls.Add(1)
		if ctx.Value(ctxKey{}) != "handling" {
			t.Error("Executed without its caller's context")
		}
		if st, err := ob.Stats(); err != nil || st.Pending != 0 {
			t.Errorf("Executed with %d bodies stored (%v), want none yet", st.Pending, err)
		}
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
