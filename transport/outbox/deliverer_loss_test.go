package outbox_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/injectkit/injectkit/runtime"
	"github.com/injectkit/injectkit/transport/callback"
	"github.com/injectkit/injectkit/transport/outbox"
)

// What a send that loses bodies, or has them removed, reports.

// dropping is the callback profile removing, as its first body is
// posted, the record of chunk drop from the outbox (an `outbox drop` of
// another process while the run is held up).
type dropping struct {
	callback.Deliverer
	store *outbox.Store
	drop  int
	once  sync.Once
}

func (d *dropping) PostKeyed(ctx context.Context, injectID, key string, chunkIndex int, body []byte) error {
	d.once.Do(func() {
		recs, _ := d.store.List()
		for _, r := range recs {
			if r.ChunkIndex == d.drop {
				_ = d.store.Delete(r.ID)
			}
		}
	})
	return d.Deliverer.PostKeyed(ctx, injectID, key, chunkIndex, body)
}

// A body removed from the outbox while its send failed is not counted as
// kept: the run's final line must not claim it.
func TestDelivererCountsOnlyBodiesKept(t *testing.T) {
	for _, drop := range []int{0, 3} { // the body failing, one waiting behind it
		t.Run(fmt.Sprint("chunk ", drop), func(t *testing.T) {
			be := newCallbackSink(t, always(http.StatusServiceUnavailable))
			ob := openStore(t, outbox.Options{})
			p := &dropping{Deliverer: callback.Deliverer{Client: client(t, be.URL)}, store: ob, drop: drop}
			err := (&outbox.Deliverer{Profile: p, Store: ob}).Deliver(context.Background(), report(t, "inj-d", 40))
			var se *runtime.StoredError
			if !errors.As(err, &se) || se.Pending != 4 || se.Dead != 0 {
				t.Fatalf("error = %v, want 4 pending", err)
			}
			if st, _ := ob.Stats(); st.Pending != 4 {
				t.Errorf("%d pending in the outbox", st.Pending)
			}
		})
	}
}

// bigProfile sends six bodies of 600 KB, stored in six transactions (they
// do not compress, and a send stored whole commits a transaction per 512
// KiB stored, see packedTxBytes), and accepts every one, recording its
// chunk.
type bigProfile struct {
	mu     sync.Mutex
	posted []int
}

func (p *bigProfile) Bodies(context.Context, *runtime.Report) (outbox.Bodies, error) {
	const n, size = 6, 600 << 10
	return outbox.Bodies{N: n, Size: n * size, Seq: func(yield func(outbox.Entry) bool) {
		for i := range n {
			body := make([]byte, size)
			_, _ = rand.NewChaCha8([32]byte{byte(i)}).Read(body)
			if !yield(outbox.Entry{InjectID: "big", Phase: "p", ChunkIndex: i, TotalChunks: n, BaseURL: "http://127.0.0.1:1", Body: body}) {
				return
			}
		}
	}}, nil
}

func (p *bigProfile) PostBody(_ context.Context, _ string, chunk int, _ []byte) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.posted = append(p.posted, chunk)
	return nil
}

// fullOnThirdCommit returns an outbox whose third commit fails as a full
// disk does, that error, and a channel closed once that commit failed.
func fullOnThirdCommit(t *testing.T) (*outbox.Store, error, <-chan struct{}) {
	ob := openStore(t, outbox.Options{})
	full := errors.New("no space left on device")
	hit := make(chan struct{})
	var commits atomic.Int64
	ob.SetCommitHooks(nil, nil, func() error {
		if commits.Add(1) == 3 {
			close(hit)
			return full
		}
		return nil
	})
	return ob, full, hit
}

// The disk full while a send is stored: nothing of it was posted (every
// body is stored before the first is posted, see TestSendKilledMidDelivery),
// the error says so, and nothing of the send stays stored.
func TestDelivererDiskFullMidStore(t *testing.T) {
	ob, full, _ := fullOnThirdCommit(t)
	p := &bigProfile{}
	err := (&outbox.Deliverer{Profile: p, Store: ob}).Deliver(context.Background(), nil)
	var ue *outbox.UnstoredError
	if !errors.As(err, &ue) || !errors.Is(err, full) || len(ue.Delivered) != 0 || ue.Total != 6 ||
		!strings.Contains(err.Error(), "no space left on device (delivered chunks none of 6; chunks 0-5 neither sent nor kept)") {
		t.Fatalf("error = %v", err)
	}
	if len(p.posted) != 0 {
		t.Errorf("posted %v before every body was stored", p.posted)
	}
	if st, _ := ob.Stats(); st.Pending != 0 || st.Bytes != 0 {
		t.Errorf("left stored: %+v", st)
	}
	if in, err := ob.Incomplete(); len(in) != 0 || err != nil {
		t.Errorf("left a send record: %+v %v", in, err)
	}
}

// appending is the callback profile as an in-order poster (the openaev
// profile's "data" callbacks add to what the platform holds): as each body
// is posted, it records the chunks still stored that the backend already
// took, those a crash at that moment would have posted a second time.
type appending struct {
	callback.Deliverer
	store *outbox.Store
	mu    sync.Mutex
	again []int
}

func (*appending) InOrder() bool { return true }

func (a *appending) PostKeyed(ctx context.Context, injectID, key string, chunkIndex int, body []byte) error {
	recs, err := a.store.List()
	if err != nil {
		return err
	}
	a.mu.Lock()
	for _, r := range recs {
		if r.ChunkIndex < chunkIndex {
			a.again = append(a.again, r.ChunkIndex)
		}
	}
	a.mu.Unlock()
	return a.Deliverer.PostKeyed(ctx, injectID, key, chunkIndex, body)
}

// The bodies of an in-order send leave the outbox before the next is
// posted: a crash resends at most the body in flight, never one the
// backend took before it (a kill -9 in the middle of a send of 60 openaev
// callbacks resent the ten already processed).
func TestDelivererInOrderRemovesBeforeTheNext(t *testing.T) {
	be := newCallbackSink(t, always(http.StatusOK))
	ob := openStore(t, outbox.Options{})
	p := &appending{Deliverer: callback.Deliverer{Client: client(t, be.URL)}, store: ob}
	if err := (&outbox.Deliverer{Profile: p, Store: ob}).Deliver(context.Background(), report(t, "inj-a", 40)); err != nil {
		t.Fatal(err)
	}
	if len(p.again) > 0 {
		t.Errorf("chunks %v still stored after the backend took them, as the next was posted", p.again)
	}
	if got := len(be.Delivered()); got != 5 {
		t.Errorf("%d bodies delivered, want 5", got)
	}
	if st, _ := ob.Stats(); st.Pending != 0 {
		t.Errorf("%d pending in the outbox, want none", st.Pending)
	}
}

// downProfile is bigProfile behind a backend that is down: every post
// fails.
// downProfile is a backend down whose refusal of chunk 0 comes once the
// disk is full (after full is closed): the failure's own record is then
// written after the store failed, never in the commit that fails.
type downProfile struct {
	bigProfile
	full <-chan struct{}
}

func (p *downProfile) PostBody(ctx context.Context, id string, chunk int, body []byte) error {
	_ = p.bigProfile.PostBody(ctx, id, chunk, body)
	<-p.full
	return errors.New("connection refused")
}

// The disk full while a send is stored, its backend down: the error
// still says which chunks were delivered (none) and which are lost. (Its
// bodies are all stored before the first is posted: chunk 0's post, which
// would fail once the disk is full, never starts; the error is the
// store's alone.)
func TestDelivererDiskFullWhileTheFirstChunkFails(t *testing.T) {
	ob, full, hit := fullOnThirdCommit(t)
	p := &downProfile{full: hit}
	err := (&outbox.Deliverer{Profile: p, Store: ob}).Deliver(context.Background(), nil)
	var ue *outbox.UnstoredError
	if !errors.As(err, &ue) || !errors.Is(err, full) || len(ue.Delivered) != 0 || ue.Total != 6 ||
		!strings.Contains(err.Error(), "no space left on device (delivered chunks none of 6; chunks 0-5 neither sent nor kept)") {
		t.Fatalf("error = %v", err)
	}
	if st, _ := ob.Stats(); st.Pending != 0 || st.Bytes != 0 {
		t.Errorf("left stored: %+v", st)
	}
	if len(p.posted) != 0 {
		t.Errorf("posted %v before every body was stored", p.posted)
	}
}

// With an Unstored hook (run, once its inject ran), a send the outbox
// fails to store after the check before the run (a full disk mid-store;
// its lock held by another process past the timeout) is still sent: the
// chunks the backend did not accept before the failure are posted
// unstored, the hook told why once, and nothing is lost or stored.
func TestDelivererStoreFailsSendsUnstored(t *testing.T) {
	tests := []struct {
		name  string
		store func(t *testing.T) *outbox.Store
		why   func(error) bool
	}{
		{"disk full mid-store", func(t *testing.T) *outbox.Store {
			ob, _, _ := fullOnThirdCommit(t)
			return ob
		}, func(err error) bool { return strings.Contains(fmt.Sprint(err), "no space left on device") }},
		{"locked by another process", func(t *testing.T) *outbox.Store {
			ob := openStore(t, outbox.Options{Shared: true}) // lock timeout 0
			holder, err := outbox.Open(ob.Path(), outbox.Options{Command: "holder under test"})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _ = holder.Close() })
			return ob
		}, func(err error) bool { return errors.Is(err, outbox.ErrLocked) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ob := tt.store(t)
			p := &bigProfile{}
			var told []error
			d := &outbox.Deliverer{Profile: p, Store: ob, Unstored: func(id string, why error) { told = append(told, why) }}
			if err := d.Deliver(context.Background(), nil); err != nil {
				t.Fatalf("error = %v, want every chunk delivered", err)
			}
			if fmt.Sprint(p.posted) != "[0 1 2 3 4 5]" {
				t.Errorf("posted %v, want every chunk once, in order", p.posted)
			}
			if len(told) != 1 || !tt.why(told[0]) {
				t.Errorf("hook told %v, want why once", told)
			}
		})
	}
}

// namedProfile is a profile that names what it delivers.
type namedProfile struct{ outbox.Profile }

func (namedProfile) Delivers() string { return "result" }

// The outbox delivers what its profile does: a failed delivery's error
// names it as the profile does (runtime.DeliveryOf), the openaev
// profile's result, else signatures.
func TestDelivererDeliversWhatItsProfileDoes(t *testing.T) {
	for _, tt := range []struct {
		profile outbox.Profile
		want    string
	}{{namedProfile{}, "result"}, {struct{ outbox.Profile }{}, "signatures"}} {
		if got := runtime.DeliveryOf(&outbox.Deliverer{Profile: tt.profile}); got != tt.want {
			t.Errorf("%T delivers %q, want %q", tt.profile, got, tt.want)
		}
	}
}
