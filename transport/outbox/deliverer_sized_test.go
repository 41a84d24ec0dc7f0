package outbox_test

import (
	"context"
	"errors"
	"net/http"
	"testing"

	"github.com/injectkit/injectkit/transport/callback"
	"github.com/injectkit/injectkit/transport/outbox"
)

// TestDelivererSizedStoredOnceStored checks the Sized hook: told a
// delivery's size with its context before its bodies are stored, its
// stored func is called once, when they all are (the outbox counts their
// bytes by then, for a caller that reserved room for them to end that
// reservation), and not at all when the outbox refuses them. Its context
// says a report is delivered (DeliveringReport), not a rejection.
func TestDelivererSizedStoredOnceStored(t *testing.T) {
	type ctxKey struct{}
	for _, tc := range []struct {
		name    string
		max     int64
		targets int
		full    bool
	}{
		{name: "one body", max: 1 << 20, targets: 1},
		{name: "several bodies", max: 1 << 20, targets: 40},
		{name: "refused, full", max: 1000, targets: 40, full: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			be := newCallbackSink(t, always(http.StatusOK))
			ob := openStore(t, outbox.Options{MaxBytes: tc.max})
			var sized, calls int
			var size, bytesThen int64
			d := &outbox.Deliverer{Profile: callback.Deliverer{Client: client(t, be.URL)}, Store: ob,
				Sized: func(ctx context.Context, n int64) func() {
					sized++
					size = n
					if ctx.Value(ctxKey{}) != "run" {
						t.Error("Sized not told the delivery's context")
					}
					if !outbox.DeliveringReport(ctx) {
						t.Error("Sized's context not marked a report's delivery (DeliveringReport)")
					}
					return func() {
						calls++
						st, err := ob.Stats()
						if err != nil {
							t.Error(err)
						}
						bytesThen = st.Bytes
					}
				}}
			ctx := context.WithValue(context.Background(), ctxKey{}, "run")
			err := d.Deliver(ctx, report(t, "r", tc.targets))
			if fe := (*outbox.FullError)(nil); errors.As(err, &fe) != tc.full || !tc.full && err != nil {
				t.Fatalf("Deliver = %v, want a *FullError: %v", err, tc.full)
			}
			if sized != 1 || size <= 0 {
				t.Fatalf("Sized told %d times (size %d), want once with the bodies' size", sized, size)
			}
			switch {
			case tc.full && calls != 0:
				t.Errorf("stored called %d times for bodies the outbox refused, want never", calls)
			case !tc.full && calls != 1:
				t.Errorf("stored called %d times, want once", calls)
			case !tc.full && bytesThen <= 0:
				t.Errorf("when stored was called the outbox held %d bytes, want the bodies'", bytesThen)
			}
		})
	}
}
