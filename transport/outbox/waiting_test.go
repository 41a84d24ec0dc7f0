package outbox_test

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"

	ikruntime "github.com/injectkit/injectkit/runtime"
	"github.com/injectkit/injectkit/transport/outbox"
)

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
