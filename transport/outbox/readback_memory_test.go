package outbox_test

import (
	"context"
	"crypto/sha256"
	"io"
	"net/http"
	"net/http/httptest"
	goruntime "runtime"
	"sync"
	"testing"
	"time"

	"github.com/injectkit/injectkit/runtime"
	"github.com/injectkit/injectkit/transport/outbox"
)

// A large send whose first POST stalled reads the bodies stored meanwhile
// back from the outbox once it is answered, into the buffers the send
// already holds (each posted body's goes back to them), not into new
// memory: a run of a million targets whose backend paused for half a
// second read each of its 1 MB bodies back into a fresh buffer and peaked
// at 530-600 MB instead of 260. Here the posts after the stall, most of
// the 8 MB of bodies read back, allocate less than a quarter of that, and
// every body is posted, byte for byte, in order.
func TestStalledSendReadsBackIntoItsBuffers(t *testing.T) {
	const n = largeN
	var (
		mu      sync.Mutex
		posted  [][sha256.Size]byte
		got     = make(chan struct{}) // the first POST arrived
		release = make(chan struct{}) // it is answered
	)
	// The server's copy buffers are reused: the measure below is of the
	// whole process, and is the send's.
	bufs := sync.Pool{New: func() any { return new([32 << 10]byte) }}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := sha256.New()
		buf := bufs.Get().(*[32 << 10]byte)
		_, _ = io.CopyBuffer(h, r.Body, buf[:])
		bufs.Put(buf)
		mu.Lock()
		first := len(posted) == 0
		posted = append(posted, [sha256.Size]byte(h.Sum(nil)))
		mu.Unlock()
		if first {
			close(got)
			<-release
		}
	}))
	defer srv.Close()
	defer closeOnce(release)
	s := openStore(t, outbox.Options{})
	stored := make(chan struct{})
	s.SetStoredHook(func() { close(stored) })
	d := &outbox.Deliverer{Profile: largeProfile{n: n, url: srv.URL}, Store: s}
	errc := make(chan error, 1)
	go func() { errc <- d.Deliver(context.Background(), &runtime.Report{InjectID: "large", Phase: "complete"}) }()
	<-got
	select {
	case <-stored: // every body stored while the first POST is unanswered
	case <-time.After(30 * time.Second):
		t.Fatal("the bodies were not all stored 30 s after the first POST, still unanswered")
	}

	var before, after goruntime.MemStats
	goruntime.ReadMemStats(&before)
	close(release)
	if err := <-errc; err != nil {
		t.Fatal(err)
	}
	goruntime.ReadMemStats(&after)

	mu.Lock()
	defer mu.Unlock()
	if len(posted) != n {
		t.Fatalf("%d bodies posted, want %d", len(posted), n)
	}
	var size int
	for i, sum := range posted {
		if sum != sha256.Sum256(chunkBody(i)) {
			t.Fatalf("body %d posted is not the one given", i)
		}
		size += len(chunkBody(i))
	}
	t.Logf("the posts after the stall allocated %d bytes; the bodies are %d", after.TotalAlloc-before.TotalAlloc, size)
	if grew := after.TotalAlloc - before.TotalAlloc; grew > uint64(size)/4 {
		t.Errorf("the posts after the stall allocated %d bytes, the bodies being %d: want less than a quarter", grew, size)
	}
}
