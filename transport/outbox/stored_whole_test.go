package outbox_test

import (
	"bytes"
	"context"
	"net/http"
	"testing"
	"testing/synctest"

	"github.com/injectkit/injectkit/transport"
	"github.com/injectkit/injectkit/transport/callback"
	"github.com/injectkit/injectkit/transport/outbox"
)

// A send stored whole before its first POST (more than one transaction)
// gives each body's buffer back as soon as the body is compressed: it is
// posted from the outbox, read back, never from that buffer. It kept them
// until their transaction committed, up to 8 MiB of bodies in each of
// the transactions in flight (the one filling, the one waiting for the
// committer, the one committing): 27 MB more at W1's 100 000 targets,
// each page of it faulted in. The buffers the encoder is given stay a
// few (the encoder's queue, the hasher's, the packer's), however many
// bodies the send has, and every body is posted, byte for byte.
//
// In a synctest bubble, as TestDelivererPostsBodiesUncopied: no stall
// of a POST but a real one.
func TestStoredWholeSendHoldsFewBuffers(t *testing.T) {
	for _, tc := range []struct {
		name    string
		targets int
		maxBody int
		most    int // buffers given to the encoder, at most
	}{
		{"64 KiB bodies", 8000, 64 << 10, 10},
		{"16 KiB bodies", 8000, 16 << 10, 10},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rep := report(t, "inj-whole", tc.targets) // outside the bubble, see TestDelivererPostsBodiesUncopied
			synctest.Test(t, func(t *testing.T) {
				be := newCallbackSink(t, func(int) int { return http.StatusOK })
				ob := openStore(t, outbox.Options{})
				c, err := transport.New(be.URL, transport.WithMaxPayloadSize(tc.maxBody))
				if err != nil {
					t.Fatal(err)
				}
				h := &handing{Deliverer: callback.Deliverer{Client: c}, given: map[*byte]bool{}}
				if err := (&outbox.Deliverer{Profile: h, Store: ob}).Deliver(context.Background(), rep); err != nil {
					t.Fatal(err)
				}
				want := bodies(t, c, rep)
				if len(want) < 4*tc.most {
					t.Fatalf("%d bodies: too few to tell", len(want))
				}
				reqs := be.Requests()
				if len(reqs) != len(want) {
					t.Fatalf("%d requests for %d bodies", len(reqs), len(want))
				}
				for i, r := range reqs {
					if !bytes.Equal(r.Body, want[i]) {
						t.Fatalf("request %d: body %.40s, want %.40s", i, r.Body, want[i])
					}
				}
				h.mu.Lock()
				given := len(h.given)
				h.mu.Unlock()
				t.Logf("%d bodies, %d buffers given to the encoder", len(want), given)
				if given > tc.most {
					t.Errorf("%d buffers given to the encoder for %d bodies: want at most %d", given, len(want), tc.most)
				}
				if st, _ := ob.Stats(); st.Pending != 0 || st.Dead != 0 {
					t.Errorf("outbox not empty after delivery: %+v", st)
				}
			})
		})
	}
}
