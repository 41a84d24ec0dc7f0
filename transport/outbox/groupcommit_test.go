package outbox_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"path/filepath"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/injectkit/injectkit/runtime"
	"github.com/injectkit/injectkit/transport/outbox"
)

// commitGate holds one of the committer's transactions until open is
// closed, and records the writes each transaction holds.
type commitGate struct {
	mu      sync.Mutex
	batches []int // writes per transaction, in order
	hold    int   // the transaction held, from 1
	failAt  int   // transactions from this one on fail (0: none)
	held    chan struct{}
	open    chan struct{}
	queued  chan struct{} // one per write that waits for a commit
}

var errDisk = errors.New("disk on fire")

func gateCommits(s *outbox.Store, hold, failAt int) *commitGate {
	g := &commitGate{hold: hold, failAt: failAt, held: make(chan struct{}), open: make(chan struct{}),
		queued: make(chan struct{}, 4096)}
	s.SetCommitHooks(func() { g.queued <- struct{}{} }, func(n int) {
		g.mu.Lock()
		g.batches = append(g.batches, n)
		k := len(g.batches)
		g.mu.Unlock()
		if k == g.hold {
			close(g.held)
			<-g.open
		}
	}, func() error {
		g.mu.Lock()
		defer g.mu.Unlock()
		if g.failAt > 0 && len(g.batches) >= g.failAt {
			return errDisk
		}
		return nil
	})
	return g
}

// waitQueued waits until n writes wait for a commit.
func (g *commitGate) waitQueued(n int) {
	for range n {
		<-g.queued
	}
}

func (g *commitGate) transactions() []int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return slices.Clone(g.batches)
}

func entry(id string) outbox.Entry {
	return outbox.Entry{InjectID: id, Phase: "complete", BaseURL: "http://127.0.0.1:1", Body: []byte(`{"id":"` + id + `"}`)}
}

// Puts arriving while a commit runs are covered by the next commit, all of
// them by one: one fsync for many bodies.
func TestGroupCommitSharesOneCommit(t *testing.T) {
	for _, shared := range []bool{false, true} {
		t.Run(fmt.Sprintf("shared=%t", shared), func(t *testing.T) {
			s := openStore(t, outbox.Options{Shared: shared})
			g := gateCommits(s, 1, 0)
			const n = 32
			errs := make(chan error, n+1)
			put := func(id string) {
				_, err := s.Put(entry(id))
				errs <- err
			}
			go put("first")
			<-g.held
			for i := range n {
				go put(fmt.Sprint("p", i))
			}
			g.waitQueued(n + 1)
			if len(errs) != 0 {
				t.Fatal("a Put returned while its commit was held")
			}
			close(g.open)
			for range n + 1 {
				if err := <-errs; err != nil {
					t.Fatal(err)
				}
			}
			if got := g.transactions(); !slices.Equal(got, []int{1, n}) {
				t.Errorf("writes per transaction %v, want [1 %d]", got, n)
			}
			if c := s.Commits(); c != 2 {
				t.Errorf("%d commits for %d puts, want 2", c, n+1)
			}
			if st, err := s.Stats(); err != nil || st.Pending != n+1 {
				t.Errorf("stats %+v, %v; want %d pending", st, err, n+1)
			}
		})
	}
}

// Concurrent deliveries share the commit that stores their bodies; none
// posts its body, or returns, before that commit. A commit that fails
// fails every delivery it held: each gets the error, none is durable (not
// a *runtime.StoredError, so serve handles the message again rather than
// acknowledging it), nothing is posted and nothing is left stored.
func TestGroupCommitDeliverers(t *testing.T) {
	tests := []struct {
		name   string
		failAt int
	}{
		{"committed", 0},
		{"commit fails", 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sink := newCallbackSink(t, always(http.StatusOK))
			path := filepath.Join(t.TempDir(), "outbox.db")
			s, err := outbox.Open(path, outbox.Options{Shared: true})
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			g := gateCommits(s, 1, tt.failAt)
			d := &outbox.Deliverer{Profile: benchProfile{hc: http.DefaultClient, url: sink.URL, body: []byte(`{}`)}, Store: s}
			const n = 16
			errs := make(chan error, n+1)
			go func() {
				_, err := s.Put(entry("gate"))
				errs <- err
			}()
			<-g.held
			for i := range n {
				go func() { errs <- d.Deliver(context.Background(), &runtime.Report{InjectID: fmt.Sprint("inj-", i)}) }()
			}
			g.waitQueued(n + 1)
			if len(errs) != 0 || sink.Len() != 0 {
				t.Fatalf("%d returned and %d posted while their commit was held", len(errs), sink.Len())
			}
			close(g.open)
			failed := 0
			for range n + 1 {
				err := <-errs
				var se *runtime.StoredError
				switch {
				case err == nil:
				case errors.Is(err, errDisk) && !errors.As(err, &se):
					failed++
				default:
					t.Errorf("error %v", err)
				}
			}
			if got := g.transactions(); len(got) < 2 || got[1] != n {
				t.Errorf("writes per transaction %v: the %d bodies do not share one", got, n)
			}
			wantFailed, wantPosted := 0, n
			if tt.failAt > 0 {
				wantFailed, wantPosted = n, 0
			}
			if failed != wantFailed || sink.Len() != wantPosted {
				t.Errorf("%d deliveries failed, %d posted; want %d and %d", failed, sink.Len(), wantFailed, wantPosted)
			}
			if err := s.Close(); err != nil {
				t.Fatal(err)
			}
			// Reopened: the delivered bodies' removal, deferred, is
			// committed; the bodies that failed were never stored.
			s, err = outbox.Open(path, outbox.Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			if recs, err := s.List(); err != nil || len(recs) != 1 || recs[0].InjectID != "gate" {
				t.Errorf("outbox holds %+v, %v; want the gate's record only", recs, err)
			}
		})
	}
}

// A delivered body's removal is not waited for: Deliver returns while the
// commit that removes it is held, the body is already gone for List, Stats
// and Get, and Close commits the removal before it closes.
func TestDelivererRemovesInTheBackground(t *testing.T) {
	for _, shared := range []bool{false, true} {
		t.Run(fmt.Sprintf("shared=%t", shared), func(t *testing.T) {
			sink := newCallbackSink(t, always(http.StatusOK))
			path := filepath.Join(t.TempDir(), "outbox.db")
			s, err := outbox.Open(path, outbox.Options{Shared: shared})
			if err != nil {
				t.Fatal(err)
			}
			g := gateCommits(s, 2, 0) // 1 stores the body, 2 removes it
			d := &outbox.Deliverer{Profile: benchProfile{hc: http.DefaultClient, url: sink.URL, body: []byte(`{}`)}, Store: s}
			if err := d.Deliver(context.Background(), &runtime.Report{InjectID: "inj"}); err != nil {
				t.Fatal(err)
			}
			<-g.held
			if st, err := s.Stats(); err != nil || st != (outbox.Stats{}) {
				t.Errorf("stats while the removal is held: %+v, %v", st, err)
			}
			if recs, err := s.List(); err != nil || len(recs) != 0 {
				t.Errorf("list while the removal is held: %+v, %v", recs, err)
			}
			if _, err := s.Get(1); !errors.Is(err, outbox.ErrNotFound) {
				t.Errorf("get while the removal is held: %v", err)
			}
			closed := make(chan error, 1)
			go func() { closed <- s.Close() }()
			if len(closed) != 0 {
				t.Fatal("Close returned before the removal was committed")
			}
			close(g.open)
			if err := <-closed; err != nil {
				t.Fatal(err)
			}
			if sink.Len() != 1 {
				t.Errorf("%d posts", sink.Len())
			}
			s, err = outbox.Open(path, outbox.Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			if st, err := s.Stats(); err != nil || st != (outbox.Stats{}) {
				t.Errorf("stats after Close: %+v, %v", st, err)
			}
		})
	}
}

// A delivered body's removal waits for a lock another process keeps past
// the lock timeout: given up, the body stayed pending and the next flush
// posted it a second time.
func TestDelivererRemovalWaitsForTheLock(t *testing.T) {
	path := filepath.Join(t.TempDir(), "outbox.db")
	holder := make(chan *outbox.Store, 1)
	sink := newCallbackSink(t, func(int) int {
		// Another process takes the file while the body is being posted.
		h, err := outbox.Open(path, outbox.Options{Timeout: 10 * time.Second})
		if err != nil {
			t.Error(err)
		}
		holder <- h
		return http.StatusOK
	})
	var waits atomic.Int32 // RemovalWaits: once per wait, not per try
	s, err := outbox.Open(path, outbox.Options{Shared: true, RemovalWaits: func(string) { waits.Add(1) }})
	if err != nil {
		t.Fatal(err)
	}
	locked := make(chan struct{}, 1)
	s.SetLockedHook(func() {
		select {
		case locked <- struct{}{}:
		default:
		}
	})
	d := &outbox.Deliverer{Profile: benchProfile{hc: http.DefaultClient, url: sink.URL, body: []byte(`{}`)}, Store: s}
	if err := d.Deliver(context.Background(), &runtime.Report{InjectID: "inj"}); err != nil {
		t.Fatal(err)
	}
	h := <-holder
	closed := make(chan error, 1)
	go func() { closed <- s.Close() }()
	select {
	case <-locked:
	case err := <-closed:
		t.Fatalf("Close returned (%v) while another process held the file: the removal was given up", err)
	}
	if err := h.Close(); err != nil {
		t.Fatal(err)
	}
	if err := <-closed; err != nil {
		t.Fatal(err)
	}
	if n := waits.Load(); n != 1 {
		t.Errorf("RemovalWaits called %d times, want once", n)
	}
	s, err = outbox.Open(path, outbox.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if st, err := s.Stats(); err != nil || st != (outbox.Stats{}) || sink.Len() != 1 {
		t.Errorf("after Close: %+v, %v, %d posts; want nothing left and 1 post", st, err, sink.Len())
	}
}
