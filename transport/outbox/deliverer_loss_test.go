package outbox_test

// What a send that loses bodies, or has them removed, reports.

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"testing"

	"github.com/injectkit/injectkit/runtime"
	"github.com/injectkit/injectkit/transport/callback"
	"github.com/injectkit/injectkit/transport/outbox"
)

// dropping is the callback profile removing, as its first body is
// posted, the record of chunk drop from the outbox (an `outbox drop` of
// another process while the run is held up).
type dropping struct {
	callback.Deliverer
	store *outbox.Store
	drop  int
	once  sync.Once
}

func (d *dropping) PostKeyed(ctx context.Context, injectID, key string, chunkIndex int, body []byte) error {
	d.once.Do(func() {
		recs, _ := d.store.List()
		for _, r := range recs {
			if r.ChunkIndex == d.drop {
				_ = d.store.Delete(r.ID)
			}
		}
	})
	return d.Deliverer.PostKeyed(ctx, injectID, key, chunkIndex, body)
}

// A body removed from the outbox while its send failed is not counted as
// kept: the run's final line must not claim it.
func TestDelivererCountsOnlyBodiesKept(t *testing.T) {
	for _, drop := range []int{0, 3} { // the body failing, one waiting behind it
		t.Run(fmt.Sprint("chunk ", drop), func(t *testing.T) {
			be := newCallbackSink(t, always(http.StatusServiceUnavailable))
			ob := openStore(t, outbox.Options{})
			p := &dropping{Deliverer: callback.Deliverer{Client: client(t, be.URL)}, store: ob, drop: drop}
			err := (&outbox.Deliverer{Profile: p, Store: ob}).Deliver(context.Background(), report(t, "inj-d", 40))
			var se *runtime.StoredError
			if !errors.As(err, &se) || se.Pending != 4 || se.Dead != 0 {
				t.Fatalf("error = %v, want 4 pending", err)
			}
			if st, _ := ob.Stats(); st.Pending != 4 {
				t.Errorf("%d pending in the outbox", st.Pending)
			}
		})
	}
}
