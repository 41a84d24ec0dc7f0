package outbox_test

import (
	"context"
	"fmt"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"github.com/injectkit/injectkit/transport"
	"github.com/injectkit/injectkit/transport/outbox"
	"github.com/injectkit/injectkit/transport/transporttest"
)

// Two Stores one process opens on one file (Shared: without it the second
// Open waits for the first's lock and fails, see TestLocked), a library
// user's two runtimes say, each flush the same pending bodies. The second
// flushes while the first is posting its first body (the sink runs it
// from that request's handler): the bodies the first claimed are another
// delivery's to the second (Busy), not posted again, and each body is
// delivered once. The second Store opened after the bodies were claimed,
// or before.
func TestTwoStoresOfOneProcessDeliverOnce(t *testing.T) {
	const n = 5
	for _, order := range []string{"opened before the claims", "opened after the claims"} {
		t.Run(order, func(t *testing.T) {
			var (
				first  atomic.Bool
				second func() (outbox.FlushResult, error)
				res2   outbox.FlushResult
				err2   error
			)
			be := transporttest.NewBackendFunc(t, func(int, http.ResponseWriter, *http.Request) {
				if first.CompareAndSwap(false, true) {
					// The first Store's first POST is in flight.
					res2, err2 = second()
				}
			})
			c, err := transport.New(be.URL, transport.WithRetry(1, 0))
			if err != nil {
				t.Fatal(err)
			}
			client := func(string) (outbox.Poster, error) { return c, nil }
			// Stored by a run (a Store of its own) that closed: free.
			run := openStore(t, outbox.Options{Shared: true})
			path := run.Path()
			for i := range n {
				e := outbox.Entry{InjectID: "two-stores", Phase: "complete", ChunkIndex: i, TotalChunks: n,
					BaseURL: be.URL, Body: fmt.Appendf(nil, `{"chunk":%d}`, i)}
				if _, err := run.Put(e); err != nil {
					t.Fatal(err)
				}
			}
			if err := run.Close(); err != nil {
				t.Fatal(err)
			}
			a := mustOpenShared(t, path)
			var b *outbox.Store
			if order == "opened before the claims" {
				b = mustOpenShared(t, path)
			}
			second = func() (outbox.FlushResult, error) {
				if b == nil {
					b = mustOpenShared(t, path)
				}
				return (&outbox.Resender{Store: b, Client: client}).Flush(context.Background())
			}
			res1, err := (&outbox.Resender{Store: a, Client: client}).Flush(context.Background())
			if err != nil || err2 != nil {
				t.Fatalf("flushes: %v; %v", err, err2)
			}
			for key, bodies := range be.Delivered() {
				if len(bodies) != 1 {
					t.Errorf("body %s delivered %d times", key, len(bodies))
				}
			}
			if res1.Delivered != n || res2.Delivered != 0 || res2.Busy != n {
				t.Errorf("first store delivered %d, second %d (%d busy); want %d by the first, the second leaving all %d busy",
					res1.Delivered, res2.Delivered, res2.Busy, n, n)
			}
			if st, err := a.Stats(); err != nil || st.Pending != 0 {
				t.Errorf("left pending: %+v, %v", st, err)
			}
		})
	}
}

// mustOpenShared opens the outbox at path in Shared mode, closed when the
// test ends.
func mustOpenShared(t *testing.T, path string) *outbox.Store {
	t.Helper()
	s, err := outbox.Open(path, outbox.Options{Shared: true, Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}
