package outbox_test

import (
	"bytes"
	"context"
	"iter"
	"net/http"
	goruntime "runtime"
	"sync"
	"testing"
	"testing/synctest"

	"github.com/injectkit/injectkit/runtime"
	"github.com/injectkit/injectkit/transport"
	"github.com/injectkit/injectkit/transport/callback"
	"github.com/injectkit/injectkit/transport/outbox"
)

// handing is the callback profile noting the buffers the outbox gives its
// bodies to be written into (Bodies.SeqInto), and the bodies posted from
// another buffer: a copy.
type handing struct {
	callback.Deliverer
	mu     sync.Mutex
	given  map[*byte]bool
	short  int // buffers smaller than asked for
	posted int
	copied int
}

func (h *handing) Bodies(ctx context.Context, r *runtime.Report) (outbox.Bodies, error) {
	b, err := h.Deliverer.Bodies(ctx, r)
	if err != nil || b.SeqInto == nil {
		return b, err
	}
	into := b.SeqInto
	b.SeqInto = func(alloc func(int) []byte) iter.Seq[outbox.Entry] {
		return into(func(n int) []byte {
			buf := alloc(n)
			h.mu.Lock()
			defer h.mu.Unlock()
			if cap(buf) < n || cap(buf) == 0 {
				h.short++
				return buf
			}
			h.given[&buf[:1][0]] = true
			return buf
		})
	}
	return b, nil
}

func (h *handing) PostKeyed(ctx context.Context, injectID, key string, chunkIndex int, body []byte) error {
	h.mu.Lock()
	h.posted++
	if len(body) == 0 || !h.given[&body[:1][0]] {
		h.copied++
	}
	h.mu.Unlock()
	return h.Deliverer.PostKeyed(ctx, injectID, key, chunkIndex, body)
}

// A delivery posts each body from the buffer the encoder wrote it into,
// without copying it first (a million-target run copied about 1 GB), small
// sends and large ones (2 MiB or more: stored by several goroutines)
// alike, and still byte for byte, each body stored before its POST.
//
// Each case runs in a synctest bubble: a POST unanswered for stallPost
// (250 ms) stalls the send, whose later bodies are then read back from
// the outbox, copies by design (see feed). On a loaded machine a loopback
// POST took that long, and the case failed with a few bodies "copied". In
// the bubble the clock stands still while a POST is in flight (its
// goroutines wait on the network, never durably blocked): no stall but a
// real one.
func TestDelivererPostsBodiesUncopied(t *testing.T) {
	for _, tc := range []struct {
		name     string
		targets  int
		maxBody  int
		minBytes int
	}{
		{"small send", 40, 0, 0},
		{"large send", 8000, 64 << 10, 2 << 20},
	} {
		t.Run(tc.name, func(t *testing.T) {
			// The report is built outside the bubble: its run looks up
			// the host's addresses, and the resolver's first use sets up
			// state of the net package's that a bubble must not own.
			rep := report(t, "inj-own", tc.targets)
			synctest.Test(t, func(t *testing.T) {
				var ob *outbox.Store
				be := newCallbackSink(t, func(n int) int {
					if st, err := ob.Stats(); err != nil || st.Pending < 1 {
						t.Errorf("request %d sent with %d bodies stored", n, st.Pending)
					}
					return http.StatusOK
				})
				ob = openStore(t, outbox.Options{})
				c := client(t, be.URL)
				if tc.maxBody > 0 {
					var err error
					if c, err = transport.New(be.URL, transport.WithMaxPayloadSize(tc.maxBody)); err != nil {
						t.Fatal(err)
					}
				}
				h := &handing{Deliverer: callback.Deliverer{Client: c}, given: map[*byte]bool{}}
				if err := (&outbox.Deliverer{Profile: h, Store: ob}).Deliver(context.Background(), rep); err != nil {
					t.Fatal(err)
				}
				want := bodies(t, c, rep)
				total := 0
				for _, b := range want {
					total += len(b)
				}
				if len(want) < 2 || total < tc.minBytes {
					t.Fatalf("%d bodies of %d bytes: the case is not a %s", len(want), total, tc.name)
				}
				reqs := be.Requests()
				if len(reqs) != len(want) {
					t.Fatalf("%d requests for %d bodies", len(reqs), len(want))
				}
				for i, r := range reqs {
					if !bytes.Equal(r.Body, want[i]) {
						t.Errorf("request %d: body %.40s, want %.40s", i, r.Body, want[i])
					}
				}
				if h.posted != len(want) || h.copied != 0 || h.short != 0 {
					t.Errorf("%d bodies posted, %d of them copies; %d buffers smaller than asked for", h.posted, h.copied, h.short)
				}
				if st, _ := ob.Stats(); st.Pending != 0 || st.Dead != 0 {
					t.Errorf("outbox not empty after delivery: %+v", st)
				}
			})
		})
	}
}

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

// A delivery of one transaction, one body (a terminal callback) or a few
// small ones, stores them on the caller's goroutine, without handing them
// to another one (their posts wait for their commit, and for the Sized
// hook's stored: see TestDelivererPostsNothingBeforeStoredReturns). Each
// is delivered and leaves the outbox.
func TestDelivererStoresOneBodyWithoutAHandOff(t *testing.T) {
	for _, tc := range []struct {
		name     string
		targets  int
		maxSize  int
		wantBody int
		onCaller bool
	}{
		{name: "one body", targets: 1, maxSize: 1 << 30, wantBody: 1, onCaller: true},
		{name: "five bodies", targets: 40, wantBody: 5, onCaller: true},
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
