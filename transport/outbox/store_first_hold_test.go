package outbox_test

import (
	"context"
	"crypto/sha256"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/injectkit/injectkit/runtime"
	"github.com/injectkit/injectkit/transport/outbox"
)

// A large send stored whole before its first POST (see storeFirst) keeps
// its Shared file open, and locked, while its bodies are posted, as the
// put that once overlapped the posts held it: let go of at the end of the
// put, every operation of the POST loop (a lease, an attempt, a batch of
// removals) opened the file again, and closing it once half of it was free
// compacted it, copying the bodies not posted yet (four copies of a
// million-target `run`: 200 MB allocated, 0.4 s of CPU). Each POST checks,
// as another process would, whether the file is free: it must be held for
// all of them but the last two (the hold is let go of before those). A
// hand-over slower than stallDelay lets go of it too: the test sets that
// delay to an hour, as a loaded machine makes a hand-over slow.
func TestLargeSendHoldsItsSharedFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "outbox.db")
	var posts, held atomic.Int32
	sink := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if posts.Add(1) <= largeN-2 {
			o, err := outbox.Open(path, outbox.Options{}) // the lock tried once
			switch {
			case errors.Is(err, outbox.ErrLocked):
				held.Add(1)
			case err != nil:
				t.Errorf("another process opening the outbox mid-send: %v", err)
			default:
				_ = o.Close()
			}
		}
		_, _ = io.Copy(io.Discard, r.Body)
	}))
	t.Cleanup(sink.Close)
	s, err := outbox.Open(path, outbox.Options{Shared: true, Timeout: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	s.SetStallDelay(time.Hour)
	d := &outbox.Deliverer{Profile: largeProfile{n: largeN, url: sink.URL}, Store: s}
	if err := d.Deliver(context.Background(), &runtime.Report{InjectID: "inj", Phase: "complete"}); err != nil {
		t.Fatal(err)
	}
	if got := posts.Load(); got != largeN {
		t.Fatalf("%d bodies posted, want %d", got, largeN)
	}
	if got, checked := held.Load(), int32(largeN-2); got != checked {
		t.Errorf("the file was held during %d of the %d POSTs checked, want all", got, checked)
	}
}

// seqCounter is largeProfile counting the passes over its bodies.
type seqCounter struct {
	largeProfile
	passes *atomic.Int32
}

func (p seqCounter) Bodies(ctx context.Context, r *runtime.Report) (outbox.Bodies, error) {
	b, err := p.largeProfile.Bodies(ctx, r)
	seq := b.Seq
	b.Seq = func(yield func(outbox.Entry) bool) {
		p.passes.Add(1)
		seq(yield)
	}
	return b, err
}

// A large send stored whole before its first POST encodes its bodies
// once: it posts them read back from the outbox, byte for byte as stored.
// The first version encoded them a second time to post them (the profile's
// Seq read again), 0.6 s of CPU more for a million-target `run`, beside
// the SHA-256 of each body computed again.
func TestLargeSendEncodesItsBodiesOnce(t *testing.T) {
	var (
		mu     sync.Mutex
		posted [][sha256.Size]byte
	)
	sink := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := sha256.New()
		_, _ = io.Copy(h, r.Body)
		mu.Lock()
		posted = append(posted, [sha256.Size]byte(h.Sum(nil)))
		mu.Unlock()
	}))
	t.Cleanup(sink.Close)
	var passes atomic.Int32
	s := openStore(t, outbox.Options{Shared: true})
	d := &outbox.Deliverer{Profile: seqCounter{largeProfile{n: largeN, url: sink.URL}, &passes}, Store: s}
	if err := d.Deliver(context.Background(), &runtime.Report{InjectID: "inj", Phase: "complete"}); err != nil {
		t.Fatal(err)
	}
	if got := passes.Load(); got != 1 {
		t.Errorf("the bodies were encoded %d times, want once", got)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(posted) != largeN {
		t.Fatalf("%d bodies posted, want %d", len(posted), largeN)
	}
	for i, sum := range posted {
		if sum != sha256.Sum256(chunkBody(i)) {
			t.Errorf("body %d posted is not the one given", i)
		}
	}
}
