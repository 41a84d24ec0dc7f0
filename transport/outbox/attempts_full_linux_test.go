//go:build linux

package outbox

import (
	"context"
	"errors"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/injectkit/injectkit/internal/testkit"
)

// downThenUp is a Poster whose backend is down (a connection-level
// failure) until up is set; it counts the bodies it took.
type downThenUp struct {
	up    atomic.Bool
	taken atomic.Int32
}

var errDown = errors.New("dial tcp 127.0.0.1:1: connect: connection refused")

func (p *downThenUp) PostBody(context.Context, string, int, []byte) error {
	if !p.up.Load() {
		return errDown
	}
	p.taken.Add(1)
	return nil
}

// A daemon (serve's Resender) that holds bodies while its backend is down
// goes on noting their attempts once the disk is full, and sends them all
// once the backend is up: it noted each attempt in its file beside the
// outbox, and once that file grew past the page it had (4 KiB on a
// tmpfs, a block elsewhere) every note failed (ENOSPC), so every resend
// was held (FlushResult.Unnoted), for as long as the disk stayed full,
// though delivering the bodies is what frees the outbox. The file of
// attempts now keeps room reserved ahead of its notes (see
// reserveAttempts): the file system's blocks, taken while it had them.
func TestAttemptsNotedOnAFullDisk(t *testing.T) {
	dir := testkit.SmallDisk(t, "1m")
	s := mustOpen(t, filepath.Join(dir, "outbox.db"), Options{}) // serve's: the lock held throughout
	t.Cleanup(func() { _ = s.Close() })
	const n = 3
	for i := range n {
		e := completeEntry()
		e.ChunkIndex, e.TotalChunks = i, n
		recs, err := s.Put(e)
		if err != nil {
			t.Fatal(err)
		}
		if err := s.MarkFailed(recs[0].ID, 1, "connection refused", time.Now()); err != nil { // tried by its run
			t.Fatal(err)
		}
	}
	p := &downThenUp{}
	rs := &Resender{Store: s, Client: func(string) (Poster, error) { return p, nil }}
	if res, err := rs.Flush(context.Background()); err != nil || res.Failed != n {
		t.Fatalf("first flush, the backend down: %+v, %v", res, err)
	}
	testkit.FillDisk(t, dir)
	// The backend stays down a while: each pass notes one attempt (the
	// others held behind the backend found down), until the notes fill
	// more than a few pages.
	for passes := 0; s.attemptsSize() < 4*4096; passes++ {
		res, err := rs.Flush(context.Background())
		if err != nil || res.Unnoted != 0 {
			t.Fatalf("pass %d on the full disk, %d bytes of notes: %+v, %v; want the attempt noted", passes, s.attemptsSize(), res, err)
		}
	}
	p.up.Store(true)
	res, err := rs.Flush(context.Background())
	if err != nil || res.Delivered != n || res.Unnoted != 0 {
		t.Fatalf("flush once the backend is up, the disk full: %+v, %v; want all %d delivered", res, err, n)
	}
	if st, err := s.Stats(); err != nil || st.Pending != 0 || p.taken.Load() != n {
		t.Errorf("pending %d (%v), taken %d times; want none pending, each taken once", st.Pending, err, p.taken.Load())
	}
}
