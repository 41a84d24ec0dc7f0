package outbox_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/injectkit/injectkit/runtime"
	"github.com/injectkit/injectkit/transport/outbox"
)

// largeN is the chunks of a large send: 8 MiB, stored in transactions of
// 1 MiB, then 2 MiB.
const largeN = 16

// chunks are the bodies of a large send: 512 KiB each, different from
// chunk to chunk, compressible like callback bodies.
var chunks = func() [][]byte {
	out := make([][]byte, largeN)
	for i := range out {
		var b bytes.Buffer
		for b.Len() < 512<<10 {
			fmt.Fprintf(&b, `{"chunk":%d,"target":"10.0.%d.%d"},`, i, b.Len()/256%256, b.Len()%256)
		}
		out[i] = b.Bytes()
	}
	return out
}()

func chunkBody(i int) []byte { return chunks[i] }

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
