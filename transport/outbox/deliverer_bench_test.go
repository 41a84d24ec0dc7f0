package outbox_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	goruntime "runtime"
	"strconv"
	"sync/atomic"
	"testing"

	"github.com/injectkit/injectkit/runtime"
	"github.com/injectkit/injectkit/transport/outbox"
)

// benchProfile sends one small body per report to a loopback server, as
// serve's terminal callback does.
type benchProfile struct {
	hc   *http.Client
	url  string
	body []byte
}

func (p benchProfile) Bodies(_ context.Context, r *runtime.Report) (outbox.Bodies, error) {
	return outbox.One(outbox.Entry{InjectID: r.InjectID, Phase: "complete", TotalChunks: 1, BaseURL: p.url, Body: p.body}), nil
}

func (p benchProfile) PostBody(ctx context.Context, _ string, _ int, body []byte) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, p.url, bytes.NewReader(body))
	if err != nil {
		return err
	}
	resp, err := p.hc.Do(req)
	if err != nil {
		return err
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	_ = resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("status %d", resp.StatusCode)
	}
	return nil
}

// BenchmarkDelivererParallel is the outbox's share of serve: 16 goroutines
// each deliver a 1 KiB body through the durable Deliverer (put and fsync,
// POST to a loopback server, delete) as serve's workers do. Concurrent
// deliveries share commits; shared=true opens the file as serve does.
func BenchmarkDelivererParallel(b *testing.B) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
	}))
	defer srv.Close()
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConnsPerHost = 64
	hc := &http.Client{Transport: tr}
	defer tr.CloseIdleConnections()
	for _, shared := range []bool{false, true} {
		b.Run("shared="+strconv.FormatBool(shared), func(b *testing.B) {
			s, err := outbox.Open(filepath.Join(b.TempDir(), "outbox.db"), outbox.Options{Shared: shared})
			if err != nil {
				b.Fatal(err)
			}
			defer s.Close()
			d := &outbox.Deliverer{Profile: benchProfile{hc: hc, url: srv.URL, body: bytes.Repeat([]byte("x"), 1<<10)}, Store: s}
			var n atomic.Int64
			b.SetParallelism(max(1, 16/goruntime.GOMAXPROCS(0))) // 16 goroutines
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					r := &runtime.Report{InjectID: "inj-" + strconv.FormatInt(n.Add(1), 10)}
					if err := d.Deliver(context.Background(), r); err != nil {
						b.Error(err)
						return
					}
				}
			})
			b.ReportMetric(float64(s.Commits())/float64(b.N), "commits/op")
		})
	}
}
