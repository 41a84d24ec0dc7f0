package outbox_test

import (
	"bytes"
	"context"
	"iter"
	"net/http"
	goruntime "runtime"
	"testing"

	"github.com/injectkit/injectkit/runtime"
	"github.com/injectkit/injectkit/transport"
	"github.com/injectkit/injectkit/transport/callback"
	"github.com/injectkit/injectkit/transport/outbox"
)

// goroutineID is the number runtime.Stack gives the calling goroutine.
func goroutineID() string {
	b := make([]byte, 64)
	b = b[:goruntime.Stack(b, false)]
	id, _, _ := bytes.Cut(bytes.TrimPrefix(b, []byte("goroutine ")), []byte(" "))
	return string(id)
}

// seqOn is a profile that records the goroutines its bodies are read on.
type seqOn struct {
	callback.Deliverer
	on []string
}

func (p *seqOn) Bodies(ctx context.Context, r *runtime.Report) (outbox.Bodies, error) {
	b, err := p.Deliverer.Bodies(ctx, r)
	seq, into := b.Seq, b.SeqInto
	b.Seq = func(yield func(outbox.Entry) bool) {
		p.on = append(p.on, goroutineID())
		seq(yield)
	}
	if into != nil {
		b.SeqInto = func(alloc func(n int) []byte) iter.Seq[outbox.Entry] {
			return func(yield func(outbox.Entry) bool) {
				p.on = append(p.on, goroutineID())
				into(alloc)(yield)
			}
		}
	}
	return b, err
}

// A delivery of one body (a terminal callback) stores it on the caller's
// goroutine, without handing it to another one; a delivery of several
// stores them on a goroutine of its own, ahead of the posts. Each is
// delivered and leaves the outbox.
func TestDelivererStoresOneBodyWithoutAHandOff(t *testing.T) {
	for _, tc := range []struct {
		name     string
		targets  int
		maxSize  int
		wantBody int
		onCaller bool
	}{
		{name: "one body", targets: 1, maxSize: 1 << 30, wantBody: 1, onCaller: true},
		{name: "five bodies", targets: 40, wantBody: 5},
	} {
		t.Run(tc.name, func(t *testing.T) {
			be := newCallbackSink(t, func(int) int { return http.StatusOK })
			c := client(t, be.URL)
			if tc.maxSize > 0 {
				var err error
				if c, err = transport.New(be.URL, transport.WithMaxPayloadSize(tc.maxSize)); err != nil {
					t.Fatal(err)
				}
			}
			ob := openStore(t, outbox.Options{})
			p := &seqOn{Deliverer: callback.Deliverer{Client: c}}
			d := &outbox.Deliverer{Profile: p, Store: ob}
			if err := d.Deliver(context.Background(), report(t, "inj-1", tc.targets)); err != nil {
				t.Fatal(err)
			}
			if n := len(be.Requests()); n != tc.wantBody {
				t.Fatalf("%d requests, want %d", n, tc.wantBody)
			}
			if len(p.on) != 1 || (p.on[0] == goroutineID()) != tc.onCaller {
				t.Errorf("bodies read on goroutines %v (caller's: %s), want on the caller's: %v", p.on, goroutineID(), tc.onCaller)
			}
			wantEmpty(t, ob, "after delivery")
		})
	}
}
