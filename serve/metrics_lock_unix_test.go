//go:build unix && !solaris && !aix && !android

// bbolt locks its file with flock(2) here; on solaris, aix and android it
// takes fcntl(2) locks, which a process cannot hold against itself, so
// these tests, which hold the lock as another process would, run here only.

package serve_test

// The outbox's lock held by another process: flock(2), unix only (bbolt
// locks with LockFileEx on Windows).

import (
	"os"
	"path/filepath"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"go.uber.org/zap"

	"github.com/injectkit/injectkit/internal/testkit"
	"github.com/injectkit/injectkit/serve"
	"github.com/injectkit/injectkit/transport/outbox"
)

// A scrape while another process holds the outbox's lock is served after
// the read budget, about a second, without the gauges read from the outbox
// (Prometheus would time the whole scrape out while the read waits for the
// lock), max_bytes, a fixed setting, still in it, and never starts a second
// read behind the one waiting: the gauges come back with the scrape after
// the lock is released.
func TestOutboxGaugesDoNotWaitForTheLock(t *testing.T) {
	path := filepath.Join(t.TempDir(), "outbox.db")
	store, err := outbox.Open(path, outbox.Options{Shared: true, Timeout: time.Minute, MaxBytes: 3000})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = store.Close() })
	reg := prometheus.NewRegistry()
	m := serve.NewMetrics(reg)
	log, logs := testkit.LoggerAt(zap.WarnLevel)
	var started, ended atomic.Int32
	readEnded := make(chan struct{}, 8)
	m.WatchOutbox(store.MaxBytes(), func() (serve.OutboxStats, error) {
		started.Add(1)
		st, err := store.Stats()
		ended.Add(1)
		readEnded <- struct{}{}
		return serve.OutboxStats{Pending: st.Pending, Dead: st.Dead, Bytes: st.Bytes}, err
	}, log)

	// Another holder of the file's lock (bbolt's flock on the file).
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
		t.Fatal(err)
	}
	for scrape := range 2 {
		got := series(t, reg)
		if n := ended.Load(); n != 0 {
			t.Fatalf("scrape %d returned after the read that waits for the lock ended: it waited for the lock", scrape)
		}
		if n := started.Load(); n != 1 {
			t.Errorf("scrape %d: %d reads started while one waits for the lock, want 1", scrape, n)
		}
		if _, ok := got[`injectkit_outbox_bodies{state="pending"}`]; ok {
			t.Errorf("scrape %d: outbox gauges exported while the outbox is locked", scrape)
		}
		if v, ok := got[`injectkit_outbox_max_bytes{}`]; !ok || v != 3000 {
			t.Errorf("scrape %d while the outbox is locked: max bytes %v (present %v), want the setting, 3000", scrape, v, ok)
		}
		if _, ok := got[`injectkit_heartbeats_total{result="ok"}`]; !ok {
			t.Errorf("scrape %d: a locked outbox hides the other metrics", scrape)
		}
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_UN); err != nil {
		t.Fatal(err)
	}
	<-readEnded
	if v, ok := series(t, reg)[`injectkit_outbox_max_bytes{}`]; !ok || v != 3000 {
		t.Errorf("after the lock is released: max bytes %v (present %v), want 3000", v, ok)
	}
	const warned = "outbox gauges injectkit_outbox_bodies and injectkit_outbox_bytes not exported (injectkit_outbox_max_bytes still is)"
	if n := logs.FilterMessageSnippet(warned).Len(); n != 1 {
		t.Errorf("%d lines %q for a locked outbox scraped twice, want 1: %v", n, warned, logs.All())
	}
}
