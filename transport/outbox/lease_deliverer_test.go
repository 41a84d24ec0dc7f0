package outbox

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	ikruntime "github.com/injectkit/injectkit/runtime"
)

// blockingProfile is a profile of one body whose POST is in flight until
// release; with before, its Bodies have a Before hook (the openaev
// per-target traces), which stores them all before the first POST.
type blockingProfile struct {
	*blockingPoster
	before bool
}

func (p *blockingProfile) Bodies(context.Context, *ikruntime.Report) (Bodies, error) {
	b := One(entry("inj", 0, 1, "{}"))
	if p.before {
		b.Before = func(context.Context) {}
	}
	return b, nil
}

// A run's own POST (its Deliverer's) keeps the body's lease while it
// lasts, as a flush's does: a POST outlasting the lease (its retries, a
// slow backend) leaves the body to it, and `outbox flush` in another
// process cannot claim it and post it a second time. The run's lease ran
// out under its POST, and the other process took the body.
func TestDelivererPostKeepsItsLease(t *testing.T) {
	for _, before := range []bool{false, true} {
		t.Run(fmt.Sprintf("before hook %v", before), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				const lease = time.Minute
				run, flush := runAndFlush(t, lease)
				p := &blockingProfile{blockingPoster: &blockingPoster{posted: make(chan struct{}), release: make(chan error)}, before: before}
				done := deliverOutlasting(&Deliverer{Profile: p, Store: run}, p.posted, lease)
				list, err := flush.List()
				if err != nil || len(list) != 1 {
					t.Fatalf("List = %d records, %v; want the body in flight", len(list), err)
				}
				if _, ok, err := flush.Claim(list[0].ID); ok || err != nil {
					t.Errorf("another process claimed the body a run is posting (%v): it would post it a second time", err)
				}
				p.release <- nil
				if err := <-done; err != nil {
					t.Errorf("Deliver = %v, want the body delivered", err)
				}
			})
		})
	}
}

// runAndFlush opens one outbox twice with the given lease: run,
// this process's, and flush, another process's (see mine); the test
// closes both.
func runAndFlush(t *testing.T, lease time.Duration) (run, flush *Store) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "outbox.db")
	opts := Options{Lease: lease, Shared: true, Timeout: time.Second}
	run = mustOpen(t, path, opts)
	t.Cleanup(func() { _ = run.Close() })
	flush = mustOpen(t, path, opts)
	t.Cleanup(func() { _ = flush.Close() })
	flush.start++ // another process: not this one (see mine)
	return run, flush
}

// deliverOutlasting starts d delivering inject "inj" and returns once
// its first POST (posted is closed or sent on when it starts) has lasted
// three leases, all else in the bubble blocked; Deliver's error comes on
// the returned channel. It runs inside synctest.Test.
func deliverOutlasting(d *Deliverer, posted <-chan struct{}, lease time.Duration) <-chan error {
	done := make(chan error, 1)
	go func() { done <- d.Deliver(context.Background(), &ikruntime.Report{InjectID: "inj"}) }()
	<-posted
	time.Sleep(3 * lease) // the POST lasts three leases
	synctest.Wait()
	return done
}

// twoBodies is a profile of two bodies whose first POST is in flight
// until release; it records the chunks it posted.
type twoBodies struct {
	*blockingPoster
	mu     sync.Mutex
	posted []int
}

func (p *twoBodies) PostBody(ctx context.Context, injectID string, chunk int, body []byte) error {
	p.mu.Lock()
	p.posted = append(p.posted, chunk)
	p.mu.Unlock()
	if chunk == 0 {
		return p.blockingPoster.PostBody(ctx, injectID, chunk, body)
	}
	return nil
}

func (p *twoBodies) Bodies(context.Context, *ikruntime.Report) (Bodies, error) {
	e0, e1 := entry("inj", 0, 2, `{"c":0}`), entry("inj", 1, 2, `{"c":1}`)
	return Bodies{N: 2, Size: int64(len(e0.Body) + len(e1.Body)), Seq: func(yield func(Entry) bool) {
		_ = yield(e0) && yield(e1)
	}}, nil
}

// A body waiting its turn behind a POST that outlasts its lease (only the
// body in flight has its lease renewed) is checked before it is posted:
// one another process's flush took over once its lease ended is not
// posted a second time (that process sends it), and Deliver says so; one
// still this process's has its lease renewed and is posted.
func TestDelivererSkipsAQueuedBodyTakenOver(t *testing.T) {
	tests := []struct {
		name     string
		takeOver bool
		posted   []int
		err      error
	}{
		{"taken over by another process's flush", true, []int{0}, ErrTakenMeanwhile},
		{"still this process's", false, []int{0, 1}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				const lease = time.Minute
				run, flush := runAndFlush(t, lease)
				p := &twoBodies{blockingPoster: &blockingPoster{posted: make(chan struct{}), release: make(chan error)}}
				done := deliverOutlasting(&Deliverer{Profile: p, Store: run}, p.blockingPoster.posted, lease)
				list, err := flush.List()
				if err != nil || len(list) != 2 {
					t.Fatalf("List = %d records, %v; want both bodies", len(list), err)
				}
				second := list[1]
				if tt.takeOver {
					if _, ok, err := flush.Claim(second.ID); !ok || err != nil {
						t.Fatalf("flush could not claim the body whose lease ended: %v, %v", ok, err)
					}
				}
				p.release <- nil
				err = <-done
				if !errors.Is(err, tt.err) || (tt.err == nil) != (err == nil) {
					t.Errorf("Deliver = %v, want %v", err, tt.err)
				}
				p.mu.Lock()
				defer p.mu.Unlock()
				if fmt.Sprint(p.posted) != fmt.Sprint(tt.posted) {
					t.Errorf("posted chunks %v, want %v", p.posted, tt.posted)
				}
				if tt.takeOver {
					got, err := flush.Get(second.ID)
					if err != nil || got.State != Pending || !flush.mine(got) {
						t.Errorf("the body taken over: %+v, %v; want pending, the flush's still", got, err)
					}
				}
			})
		})
	}
}
