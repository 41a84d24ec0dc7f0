package outbox_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"sync/atomic"
	"testing"

	"github.com/injectkit/injectkit/transport/outbox"
)

// BenchmarkFlushAfterOutage is `outbox flush` after an outage: a store
// holding bodies= pending 1.5 KiB bodies (one chunked send, as a run
// against a backend that was down stores them) flushed by one Resender
// pass to a loopback server that answers 200. An op is one whole flush;
// body/op figures are per delivered body: ns, commits of the store
// (each two fdatasyncs of bbolt's), and, with -benchmem, allocations
// (B/op and allocs/op are the flush's, storing excluded). shared=true
// opens the file as serve and the CLI's flush do (opened again for each
// operation).
func BenchmarkFlushAfterOutage(b *testing.B) {
	var posts atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		posts.Add(1)
	}))
	defer srv.Close()
	tr := http.DefaultTransport.(*http.Transport).Clone()
	hc := &http.Client{Transport: tr}
	defer tr.CloseIdleConnections()
	body := bytes.Repeat([]byte("x"), 1536)
	for _, n := range []int{1000, 10000} {
		for _, shared := range []bool{false, true} {
			b.Run(fmt.Sprintf("bodies=%d/shared=%t", n, shared), func(b *testing.B) {
				s, err := outbox.Open(filepath.Join(b.TempDir(), "outbox.db"), outbox.Options{Shared: shared})
				if err != nil {
					b.Fatal(err)
				}
				b.Cleanup(func() { _ = s.Close() })
				entries := make([]outbox.Entry, n)
				for i := range entries {
					entries[i] = outbox.Entry{InjectID: "inj-outage", Phase: "execution_complete", ChunkIndex: i,
						TotalChunks: n, BaseURL: srv.URL, Body: body}
				}
				p := benchProfile{hc: hc, url: srv.URL}
				// reopen closes s and opens its file again: the bodies a
				// put left owned by s are pending for the next Store, as
				// those of a run that ended are for a flush.
				reopen := func() {
					if err := s.Close(); err != nil {
						b.Fatal(err)
					}
					if s, err = outbox.Open(s.Path(), outbox.Options{Shared: shared}); err != nil {
						b.Fatal(err)
					}
				}
				b.ReportAllocs()
				var commits int64
				for i := 0; i < b.N; i++ {
					b.StopTimer()
					if _, err := s.Put(entries...); err != nil {
						b.Fatal(err)
					}
					reopen()
					posts.Store(0)
					rs := &outbox.Resender{Store: s, Client: func(string) (outbox.Poster, error) { return p, nil }}
					b.StartTimer()
					res, err := rs.Flush(context.Background())
					if err != nil || res.Delivered != n {
						b.Fatalf("flush: %+v, %v; want %d delivered", res, err, n)
					}
					b.StopTimer()
					// The last removals are committed after lazyDelay:
					// counted once they are (Close waits for them).
					if err := s.Close(); err != nil {
						b.Fatal(err)
					}
					commits += s.Commits()
					if got := posts.Load(); got != int64(n) {
						b.Fatalf("%d POSTs, want %d", got, n)
					}
					if s, err = outbox.Open(s.Path(), outbox.Options{Shared: shared}); err != nil {
						b.Fatal(err)
					}
					b.StartTimer()
				}
				b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/body")
				b.ReportMetric(float64(commits)/float64(b.N*n), "commits/body")
			})
		}
	}
}
