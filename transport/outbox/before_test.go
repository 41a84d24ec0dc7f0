package outbox_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/injectkit/injectkit/runtime"
	"github.com/injectkit/injectkit/transport/outbox"
)

// preceded is a profile of six bodies of 600 KB (stored in three
// transactions) whose Bodies have a Before hook, as the openaev per-target
// traces: before runs in it. Its PostBody records each body posted. With
// drift set, reading the bodies a second time yields other bytes.
type preceded struct {
	before func(ctx context.Context, p *preceded)
	drift  bool

	mu      sync.Mutex
	reads   int
	befores int
	posted  map[int][]byte
	order   []string // "before", "post N"
}

const precededN, precededSize = 6, 600 << 10

func (p *preceded) Bodies(context.Context, *runtime.Report) (outbox.Bodies, error) {
	return outbox.Bodies{N: precededN, Size: precededN * precededSize,
		Before: func(ctx context.Context) {
			p.mu.Lock()
			p.befores++
			p.order = append(p.order, "before")
			p.mu.Unlock()
			if p.before != nil {
				p.before(ctx, p)
			}
		},
		Seq: func(yield func(outbox.Entry) bool) {
			p.mu.Lock()
			p.reads++
			fill := byte('a')
			if p.drift && p.reads > 1 {
				fill = 'z'
			}
			p.mu.Unlock()
			for i := range precededN {
				body := bytes.Repeat([]byte{fill + byte(i%2)}, precededSize)
				if !yield(outbox.Entry{InjectID: "pre", Phase: "p", ChunkIndex: i, TotalChunks: precededN,
					BaseURL: "http://127.0.0.1:1", Body: body}) {
					return
				}
			}
		}}, nil
}

func (p *preceded) PostBody(_ context.Context, _ string, chunk int, body []byte) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.posted == nil {
		p.posted = map[int][]byte{}
	}
	p.posted[chunk] = bytes.Clone(body)
	p.order = append(p.order, fmt.Sprint("post ", chunk))
	return nil
}

// pendingChunks returns the chunks ob holds pending, sorted.
func pendingChunks(t *testing.T, ob *outbox.Store) []int {
	t.Helper()
	recs, err := ob.List()
	if err != nil {
		t.Fatal(err)
	}
	var out []int
	for _, r := range recs {
		if r.State == outbox.Pending {
			out = append(out, r.ChunkIndex)
		}
	}
	slices.Sort(out)
	return out
}

// Bodies with a Before hook are all stored before it runs, and it runs
// once, before the first is posted: a process killed while it runs (the
// openaev per-target traces, thousands of POSTs) leaves every body in the
// outbox. The bodies posted are the ones stored, even when reading them
// again yields other bytes.
func TestDelivererStoresEveryBodyBeforeBefore(t *testing.T) {
	for _, drift := range []bool{false, true} {
		t.Run(fmt.Sprint("drift ", drift), func(t *testing.T) {
			ob := openStore(t, outbox.Options{})
			var during []int
			p := &preceded{drift: drift, before: func(_ context.Context, p *preceded) {
				during = pendingChunks(t, ob)
				if len(p.posted) != 0 {
					t.Errorf("posted %d bodies before Before", len(p.posted))
				}
			}}
			if err := (&outbox.Deliverer{Profile: p, Store: ob}).Deliver(context.Background(), nil); err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(during, []int{0, 1, 2, 3, 4, 5}) {
				t.Errorf("while Before ran the outbox held chunks %v, want all six", during)
			}
			want := []string{"before", "post 0", "post 1", "post 2", "post 3", "post 4", "post 5"}
			if !slices.Equal(p.order, want) {
				t.Errorf("order %v, want %v", p.order, want)
			}
			for i := range precededN {
				if b := p.posted[i]; len(b) != precededSize || b[0] != 'a'+byte(i%2) {
					t.Errorf("chunk %d posted other than stored", i)
				}
			}
			if left := pendingChunks(t, ob); len(left) != 0 {
				t.Errorf("outbox holds %v once delivered", left)
			}
		})
	}
}

// An abort while Before runs cuts it short: every body stays stored,
// none posted, the error counting them.
func TestDelivererAbortDuringBefore(t *testing.T) {
	ob := openStore(t, outbox.Options{})
	a := &abort{ch: make(chan struct{})}
	p := &preceded{before: func(ctx context.Context, _ *preceded) {
		a.fire()
		<-ctx.Done() // the trace in flight, cut short
	}}
	err := (&outbox.Deliverer{Profile: p, Store: ob, Abort: a}).Deliver(context.Background(), nil)
	var se *runtime.StoredError
	if !errors.As(err, &se) || !errors.Is(err, outbox.ErrAborted) || se.Pending != precededN {
		t.Fatalf("error = %v, want the %d bodies pending, aborted", err, precededN)
	}
	if len(p.posted) != 0 || p.befores != 1 {
		t.Errorf("posted %d bodies, Before ran %d times", len(p.posted), p.befores)
	}
	if kept := pendingChunks(t, ob); !slices.Equal(kept, []int{0, 1, 2, 3, 4, 5}) {
		t.Errorf("kept chunks %v, want all six", kept)
	}
}

// An outbox without room for the bodies: Before still runs, once, before
// the first body sent without being stored.
func TestDelivererBeforeWhenFull(t *testing.T) {
	ob := openStore(t, outbox.Options{MaxBytes: precededSize})
	var unstored int
	p := &preceded{}
	d := &outbox.Deliverer{Profile: p, Store: ob, Unstored: func(string, error) { unstored++ }}
	if err := d.Deliver(context.Background(), nil); err != nil {
		t.Fatal(err)
	}
	want := []string{"before", "post 0", "post 1", "post 2", "post 3", "post 4", "post 5"}
	if unstored != 1 || !slices.Equal(p.order, want) {
		t.Errorf("unstored %d times, order %v, want %v", unstored, p.order, want)
	}
}

// Bodies stored before a Before that outlasts their lease are leased
// again from its end: no other process's Resender takes one while this
// process posts it.
func TestDelivererLeaseRunsFromTheEndOfBefore(t *testing.T) {
	var mu sync.Mutex
	now := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	ob := openStore(t, outbox.Options{Now: clock, Lease: time.Minute})
	p := &preceded{before: func(context.Context, *preceded) {
		mu.Lock()
		now = now.Add(2 * time.Minute) // the traces took longer than a lease
		mu.Unlock()
	}}
	var leases []time.Time
	ob2 := &leaseWatch{preceded: p, ob: ob, leases: &leases}
	if err := (&outbox.Deliverer{Profile: ob2, Store: ob}).Deliver(context.Background(), nil); err != nil {
		t.Fatal(err)
	}
	if len(leases) != precededN {
		t.Fatalf("saw %d pending records as chunk 0 was posted, want %d", len(leases), precededN)
	}
	for _, l := range leases {
		if !l.After(clock()) {
			t.Errorf("lease until %v while posted at %v: another process may take it", l, clock())
		}
	}
}

// leaseWatch is preceded that records, as chunk 0 is posted, the leases
// of the records pending.
type leaseWatch struct {
	*preceded
	ob     *outbox.Store
	leases *[]time.Time
}

func (w *leaseWatch) PostBody(ctx context.Context, id string, chunk int, body []byte) error {
	if chunk == 0 {
		list, err := w.ob.List()
		if err != nil {
			return err
		}
		for _, r := range list {
			*w.leases = append(*w.leases, r.LeaseUntil)
		}
	}
	return w.preceded.PostBody(ctx, id, chunk, body)
}
