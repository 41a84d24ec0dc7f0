package outbox_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"iter"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	ikruntime "github.com/injectkit/injectkit/runtime"
	"github.com/injectkit/injectkit/transport/outbox"
)

// smallBodies yields n bodies of about 600 bytes, as `run
// --max-payload-size 600` sends one target each, through one buffer.
func smallBodies(n int) (int64, iter.Seq[outbox.Entry]) {
	body := func(buf []byte, i int) []byte {
		buf = fmt.Appendf(buf[:0], `{"inject_id":"small","chunk_index":%d,"targets":[{"value":"10.%d.%d.%d"`, i, i>>16&255, i>>8&255, i&255)
		for len(buf) < 590 {
			buf = append(buf, `,"x":"signature"`...)
		}
		return append(buf, "]}"...)
	}
	var need int64
	buf := make([]byte, 0, 1024)
	for i := range n {
		need += int64(len(body(buf, i)))
	}
	return need, func(yield func(outbox.Entry) bool) {
		for i := range n {
			buf = body(buf, i)
			if !yield(outbox.Entry{InjectID: "small", Phase: "complete", ChunkIndex: i, TotalChunks: n,
				BaseURL: "http://127.0.0.1:1", Body: buf}) {
				return
			}
		}
	}
}

// smallBodyList returns the n bodies smallBodies yields, each its own copy.
func smallBodyList(n int) [][]byte {
	list := make([][]byte, 0, n)
	_, seq := smallBodies(n)
	for e := range seq {
		list = append(list, bytes.Clone(e.Body))
	}
	return list
}

// A send of many small bodies stores and hands them over a bounded number
// at a time, however many there are: what a transaction holds (records,
// bbolt's nodes and pages) and the bodies stored ahead of the posts stay in
// memory, and in the file, until they are posted. Sized in bytes alone,
// a transaction held 14 000 bodies of 600 bytes, and a 100 000-body run
// peaked at 450 MB and left a 118 MB file.
func TestSmallBodiesStoredABoundedNumberAtATime(t *testing.T) {
	largest := map[int]int{} // bodies of a send: the most stored in one transaction
	for _, n := range []int{4000, 16000} {
		s := openStore(t, outbox.Options{})
		need, seq := smallBodies(n)
		total := 0
		err := s.PutEach(n, need, seq, func(recs []outbox.Record) {
			largest[n] = max(largest[n], len(recs))
			total += len(recs)
			ids := make([]uint64, len(recs))
			for i, r := range recs {
				ids[i] = r.ID
			}
			if err := s.Delete(ids...); err != nil {
				t.Error(err)
			}
		})
		if err != nil || total != n {
			t.Fatalf("%d bodies: %d stored, error %v", n, total, err)
		}
	}
	if largest[16000] > largest[4000] {
		t.Errorf("the most bodies in one transaction grows with the send: %v", largest)
	}
}

// noPoster accepts every body without sending it.
type noPoster struct{ n int }

func (p noPoster) Bodies(context.Context, *ikruntime.Report) (outbox.Bodies, error) {
	need, seq := smallBodies(p.n)
	return outbox.Bodies{N: p.n, Size: need, Seq: seq}, nil
}

func (noPoster) PostBody(context.Context, string, int, []byte) error { return nil }

// BenchmarkDelivererSmallBodies is a send of many 600-byte bodies through
// the durable Deliverer, as `run --max-payload-size 600` over as many
// targets: the heap it allocates per send (B/op), the largest heap in use
// (peak-heap-bytes, sampled every 10 ms) and the outbox file's size once
// it is over.
//
//	go test -run '^$' -bench SmallBodies -benchmem ./transport/outbox/
func BenchmarkDelivererSmallBodies(b *testing.B) {
	for _, n := range []int{10_000, 100_000} {
		b.Run(fmt.Sprint("bodies=", n), func(b *testing.B) {
			path := filepath.Join(b.TempDir(), "outbox.db")
			s, err := outbox.Open(path, outbox.Options{})
			if err != nil {
				b.Fatal(err)
			}
			defer s.Close()
			d := &outbox.Deliverer{Profile: noPoster{n: n}, Store: s}
			b.ReportAllocs()
			var peak uint64
			for b.Loop() {
				stop := sampleHeap(&peak)
				if err := d.Deliver(context.Background(), &ikruntime.Report{InjectID: "small"}); err != nil {
					b.Fatal(err)
				}
				stop()
			}
			b.ReportMetric(float64(peak), "peak-heap-bytes")
			b.ReportMetric(float64(fileSize(b, path)), "file-bytes")
		})
	}
}

// sampleHeap records in *peak the largest heap in use it sees, every
// 10 ms, until stop is called.
func sampleHeap(peak *uint64) (stop func()) {
	done, over := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(over)
		tick := time.NewTicker(10 * time.Millisecond)
		defer tick.Stop()
		var ms runtime.MemStats
		for {
			runtime.ReadMemStats(&ms)
			*peak = max(*peak, ms.HeapInuse)
			select {
			case <-done:
				return
			case <-tick.C:
			}
		}
	}()
	return func() { close(done); <-over }
}

// fileSize is the size of the file at path.
func fileSize(b *testing.B, path string) int64 {
	fi, err := os.Stat(path)
	if err != nil {
		b.Fatal(err)
	}
	return fi.Size()
}

// downPoster is a backend that is down: every POST fails to connect.
type downPoster struct{ n int }

func (p downPoster) Bodies(context.Context, *ikruntime.Report) (outbox.Bodies, error) {
	need, seq := smallBodies(p.n)
	return outbox.Bodies{N: p.n, Size: need, Seq: seq}, nil
}

func (downPoster) PostBody(context.Context, string, int, []byte) error {
	return syscall.ECONNREFUSED
}

// A send whose first body fails keeps the bodies after it pending, not
// sent, in a few transactions (as many as storing them took), the file
// opened a few times: one transaction and one open each made a 100 000-body
// `run` whose backend was down take minutes and hundreds of MB.
func TestFailedSendHoldsBackTheRestInFewTransactions(t *testing.T) {
	for _, shared := range []bool{false, true} {
		const n = 2000
		s := openStore(t, outbox.Options{Shared: shared})
		var opens atomic.Int64
		s.SetOpenedHook(func() { opens.Add(1) })
		before := s.Commits()
		d := &outbox.Deliverer{Profile: downPoster{n: n}, Store: s}
		err := d.Deliver(context.Background(), &ikruntime.Report{InjectID: "small"})
		var se *ikruntime.StoredError
		if !errors.As(err, &se) || se.Pending != n || se.Dead != 0 {
			t.Fatalf("shared %v: error %v, want a StoredError of %d pending", shared, err, n)
		}
		// Storing n bodies takes n/512 transactions or more (a few smaller
		// ones first); holding them back must not take more than as many
		// again, nor open the file once per body.
		batches := int64(n/512 + 1)
		if got := s.Commits() - before; got > 2*batches+8 {
			t.Errorf("shared %v: %d transactions for a send of %d bodies that failed, want at most %d", shared, got, n, 2*batches+8)
		}
		if got := opens.Load(); got > batches+4 {
			t.Errorf("shared %v: the file opened %d times for a send of %d bodies, want at most %d", shared, got, n, batches+4)
		}
		recs, err := s.List()
		if err != nil || len(recs) != n {
			t.Fatalf("shared %v: %d records listed, error %v; want %d", shared, len(recs), err, n)
		}
		for _, r := range recs {
			if r.State != outbox.Pending || r.Owner != 0 {
				t.Fatalf("shared %v: chunk %d is %v owned by %d, want pending and free for a flush", shared, r.ChunkIndex, r.State, r.Owner)
			}
			if r.ChunkIndex > 0 && (r.Attempts != 0 || !strings.Contains(r.LastError, "chunk 0 of the same send failed")) {
				t.Fatalf("shared %v: chunk %d: %d attempts, last error %q; want none, waiting for chunk 0", shared, r.ChunkIndex, r.Attempts, r.LastError)
			}
			if r.ChunkIndex > 0 && !r.NextAttempt.Equal(recs[0].NextAttempt) {
				t.Fatalf("shared %v: chunk %d due %v, want with chunk 0 at %v", shared, r.ChunkIndex, r.NextAttempt, recs[0].NextAttempt)
			}
		}
	}
}

// BenchmarkDelivererBackendDown is a send of many 600-byte bodies whose
// first POST fails, as `run --max-payload-size 600` over as many targets
// with its backend down: every body is stored, the first marked failed and
// the others held back with it (transactions-per-send: the store's
// commits; opens-per-send: the file opened, in Shared mode as `run`).
//
//	go test -run '^$' -bench BackendDown -benchtime 1x ./transport/outbox/
func BenchmarkDelivererBackendDown(b *testing.B) {
	for _, n := range []int{10_000, 100_000} {
		b.Run(fmt.Sprint("bodies=", n), func(b *testing.B) {
			var commits, opens atomic.Int64
			for b.Loop() {
				s, err := outbox.Open(filepath.Join(b.TempDir(), "outbox.db"), outbox.Options{Shared: true})
				if err != nil {
					b.Fatal(err)
				}
				s.SetOpenedHook(func() { opens.Add(1) })
				d := &outbox.Deliverer{Profile: downPoster{n: n}, Store: s}
				var se *ikruntime.StoredError
				if err := d.Deliver(context.Background(), &ikruntime.Report{InjectID: "small"}); !errors.As(err, &se) || se.Pending != n {
					b.Fatalf("error %v, want %d bodies kept", err, n)
				}
				commits.Add(s.Commits())
				if err := s.Close(); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(commits.Load())/float64(b.N), "transactions-per-send")
			b.ReportMetric(float64(opens.Load())/float64(b.N), "opens-per-send")
		})
	}
}
