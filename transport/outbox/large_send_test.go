package outbox_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	goruntime "runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/injectkit/injectkit/runtime"
	"github.com/injectkit/injectkit/transport/outbox"
)

// largeN is the chunks of a large send: 8 MiB, stored whole before the
// first is posted, in transactions of 512 KiB as stored (packedTxBytes):
// compressed, they fit in one, so TestLargeSend stores one a transaction.
const largeN = 16

// chunks are the bodies of a large send: 512 KiB each, different from
// chunk to chunk, compressible like callback bodies. They are made on
// first use, not at the package's init: every process the package's
// tests start (the starts, liveness and kill tests' children) ran that
// init, 2.7 s of 8 MiB formatted under -race, before its first line.
var chunks = sync.OnceValue(func() [][]byte {
	out := make([][]byte, largeN)
	for i := range out {
		b := make([]byte, 0, 512<<10+64)
		for len(b) < 512<<10 {
			n := len(b)
			b = append(b, `{"chunk":`...)
			b = strconv.AppendInt(b, int64(i), 10)
			b = append(b, `,"target":"10.0.`...)
			b = strconv.AppendInt(b, int64(n/256%256), 10)
			b = append(b, '.')
			b = strconv.AppendInt(b, int64(n%256), 10)
			b = append(b, `"},`...)
		}
		out[i] = b
	}
	return out
})

func chunkBody(i int) []byte { return chunks()[i] }

// largeProfile yields n chunks through one buffer it reuses, as
// transport.Encoding.Bodies does, and posts them to url.
type largeProfile struct {
	n   int
	url string
}

func (p largeProfile) Bodies(_ context.Context, r *runtime.Report) (outbox.Bodies, error) {
	var size int64
	for i := range p.n {
		size += int64(len(chunkBody(i)))
	}
	return outbox.Bodies{N: p.n, Size: size, Seq: func(yield func(outbox.Entry) bool) {
		buf := make([]byte, 0, 1<<20)
		for i := range p.n {
			buf = append(buf[:0], chunkBody(i)...)
			if !yield(outbox.Entry{InjectID: r.InjectID, Phase: "complete", ChunkIndex: i, TotalChunks: p.n,
				BaseURL: p.url, Body: buf}) {
				return
			}
		}
	}}, nil
}

func (p largeProfile) PostBody(ctx context.Context, _ string, _ int, body []byte) error {
	return benchProfile{hc: http.DefaultClient, url: p.url}.PostBody(ctx, "", 0, body)
}

// A large send (several transactions, compressed beside the reading) posts
// every body byte for byte, in order, though its source reuses one buffer
// and the outbox reuses the copies; a transaction that fails removes what
// was stored before it, and nothing after it is posted.
func TestLargeSend(t *testing.T) {
	const n = largeN
	for _, tt := range []struct {
		name   string
		failAt int // the transaction that fails, 0 for none
	}{
		{"stored", 0},
		{"second transaction fails", 2},
		{"last transaction fails", 5},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var (
				mu     sync.Mutex
				posted [][]byte
			)
			sink := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				b, _ := io.ReadAll(r.Body)
				mu.Lock()
				posted = append(posted, b)
				mu.Unlock()
			}))
			t.Cleanup(sink.Close)
			s, err := outbox.Open(filepath.Join(t.TempDir(), "outbox.db"), outbox.Options{})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _ = s.Close() })
			var txs atomic.Int32 // transactions run (by the committer goroutine); only failAt fails
			s.SetCommitHooks(func() {}, func(int) { txs.Add(1) }, func() error {
				if int(txs.Load()) == tt.failAt {
					return errDisk
				}
				return nil
			})
			s.SetPackedTxBytes(1) // a transaction a body
			d := &outbox.Deliverer{Profile: largeProfile{n: n, url: sink.URL}, Store: s}
			err = d.Deliver(context.Background(), &runtime.Report{InjectID: "inj", Phase: "complete"})
			mu.Lock()
			defer mu.Unlock()
			if tt.failAt == 0 {
				if err != nil {
					t.Fatal(err)
				}
				if len(posted) != n {
					t.Fatalf("%d bodies posted, want %d", len(posted), n)
				}
				for i, b := range posted {
					if !bytes.Equal(b, chunkBody(i)) {
						t.Errorf("body %d posted differs from the one given", i)
					}
				}
				if got := txs.Load(); got < 5 {
					t.Errorf("%d transactions: want the bodies stored in 5 or more", got)
				}
			} else {
				if !errors.Is(err, errDisk) {
					t.Fatalf("err = %v, want %v", err, errDisk)
				}
				if len(posted) >= n {
					t.Errorf("%d bodies posted after a failed store", len(posted))
				}
				for i, b := range posted {
					if !bytes.Equal(b, chunkBody(i)) {
						t.Errorf("body %d posted differs from the one given", i)
					}
				}
			}
			if st, err := s.Stats(); err != nil || st != (outbox.Stats{}) {
				t.Errorf("stats after the send: %+v, %v", st, err)
			}
		})
	}
}

// A large send whose first POST stalled reads its bodies back from the
// outbox once it is answered, into the buffers the send already holds
// (each posted body's goes back to them), not into new memory: a run of
// a million targets whose backend paused for half a second read each of
// its 1 MB bodies back into a fresh buffer and peaked at 530-600 MB
// instead of 260. Here the posts after the stall, most of the 8 MB of
// bodies read back, allocate less than a quarter of that, and every body
// is posted, byte for byte, in order. (Every body is stored before the
// first is posted, see TestSendKilledMidDelivery: the stall comes once
// they all are.)
func TestStalledSendReadsBackIntoItsBuffers(t *testing.T) {
	const n = largeN
	var (
		mu      sync.Mutex
		posted  [][sha256.Size]byte
		got     = make(chan struct{}) // the first POST arrived
		release = make(chan struct{}) // it is answered
		stalled = make(chan struct{}) // the feed stalled
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
	s.SetStalledHook(func() { close(stalled) })
	d := &outbox.Deliverer{Profile: largeProfile{n: n, url: srv.URL}, Store: s}
	errc := make(chan error, 1)
	go func() { errc <- d.Deliver(context.Background(), &runtime.Report{InjectID: "large", Phase: "complete"}) }()
	<-stored // every body stored before the first POST
	<-got
	<-stalled // the first POST unanswered: the bodies after it are read back

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

// A send stored whole before its first POST commits a transaction per 512
// KiB of its bodies as stored (packedTxBytes), not per 8 MiB of them as given:
// each commit also writes again the last leaf of bodies before it, branch
// pages and the freelist, and costs two fdatasyncs, so that W1 at 1M
// (893 bodies of 1 MiB, 24 KB each stored) made 113 commits and wrote
// 43 MB for 21 MB of bodies. The 8 MiB of compressible chunks are stored
// in one transaction (five before); six bodies of 600 KB that do not
// compress, 3.6 MB stored, take one each (three before).
func TestStoredWholeCommitsByStoredBytes(t *testing.T) {
	sink := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
	}))
	t.Cleanup(sink.Close)
	for _, tt := range []struct {
		name    string
		profile outbox.Profile
		want    int32
	}{
		{"compressible", largeProfile{n: largeN, url: sink.URL}, 1},
		{"incompressible", &bigProfile{}, 6},
	} {
		t.Run(tt.name, func(t *testing.T) {
			s, err := outbox.Open(filepath.Join(t.TempDir(), "outbox.db"), outbox.Options{})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _ = s.Close() })
			var txs, stored atomic.Int32
			s.SetCommitHooks(func() {}, func(int) { txs.Add(1) }, func() error { return nil })
			s.SetStoredHook(func() { stored.Store(txs.Load()) })
			d := &outbox.Deliverer{Profile: tt.profile, Store: s}
			if err := d.Deliver(context.Background(), &runtime.Report{InjectID: "inj", Phase: "complete"}); err != nil {
				t.Fatal(err)
			}
			if got := stored.Load(); got != tt.want {
				t.Errorf("stored in %d transactions, want %d", got, tt.want)
			}
			if st, err := s.Stats(); err != nil || st != (outbox.Stats{}) {
				t.Errorf("stats after the send: %+v, %v", st, err)
			}
		})
	}
}
