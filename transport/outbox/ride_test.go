package outbox

import (
	"context"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/injectkit/injectkit/runtime"
)

// pacedProfile is a Profile of n bodies of size bytes, each POST answered
// after pace.
type pacedProfile struct {
	n, size int
	pace    time.Duration
	posted  atomic.Int64
}

func (p *pacedProfile) PostBody(context.Context, string, int, []byte) error {
	time.Sleep(p.pace)
	p.posted.Add(1)
	return nil
}

func (p *pacedProfile) Bodies(context.Context, *runtime.Report) (Bodies, error) {
	pad := strings.Repeat("x", p.size)
	return Bodies{N: p.n, Size: int64(p.n * (p.size + 16)), Seq: func(yield func(Entry) bool) {
		for i := range p.n {
			body := fmt.Appendf(nil, `{"i":%6d,"p":"%s"}`, i, pad)
			if !yield(Entry{InjectID: "ride", Phase: "complete", ChunkIndex: i, TotalChunks: p.n, BaseURL: "http://127.0.0.1:1", Body: body}) {
				return
			}
		}
	}}, nil
}

// TestLargeSendRemovalsCommittedPerRideDelay: while a large send posts
// the bodies it stored first, the removals of those the backend took are
// committed together once rideDelay passed, not each lazyDelay (a commit
// alone, two fdatasyncs and bbolt's freelist written, every 20 ms: W1 at
// 1M made about 45 commits more, more the slower its posts). synctest's
// clock paces the posts; the commits after the bodies were stored are
// counted.
func TestLargeSendRemovalsCommittedPerRideDelay(t *testing.T) {
	for _, tc := range []struct {
		name   string
		shared bool
		n      int
		pace   time.Duration
	}{
		{name: "own file, 100 posts of 5 ms", n: 100, pace: 5 * time.Millisecond},
		{name: "shared file, 100 posts of 5 ms", shared: true, n: 100, pace: 5 * time.Millisecond},
		{name: "shared file, 200 posts of 3 ms", shared: true, n: 200, pace: 3 * time.Millisecond},
	} {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				s := openTemp(t, Options{Shared: tc.shared})
				var stored atomic.Int64
				s.SetStoredHook(func() { stored.Store(s.Commits()) })
				p := &pacedProfile{n: tc.n, size: 64 << 10, pace: tc.pace}
				d := &Deliverer{Profile: p, Store: s}
				if err := d.Deliver(context.Background(), &runtime.Report{}); err != nil {
					t.Fatal(err)
				}
				s.later.Wait()
				if got := p.posted.Load(); got != int64(tc.n) {
					t.Fatalf("%d bodies posted, want %d", got, tc.n)
				}
				posting := time.Duration(tc.n) * tc.pace
				// One commit per rideDelay of posting, and the last
				// removals' before the send returns.
				want := int64(posting/rideDelay) + 1
				if got := s.Commits() - stored.Load(); got > want {
					t.Errorf("%d commits while %v of posts ran, want at most %d (one every %v, and the last)",
						got, posting, want, rideDelay)
				}
				st, err := s.Stats()
				if err != nil {
					t.Fatal(err)
				}
				if st.Pending != 0 || st.Dead != 0 {
					t.Errorf("after the send the outbox holds %d pending, %d dead bodies, want none", st.Pending, st.Dead)
				}
			})
		})
	}
}

// TestLazyTimerFiresForTheFirstDue: a lazy write of lazyDelay queued
// while a removal waits rideDelay is committed lazyDelay after it, with
// the removal, not when the removal alone would have been due.
func TestLazyTimerFiresForTheFirstDue(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := openTemp(t, Options{Shared: true})
		recs, err := s.Put(completeEntry(), completeEntry())
		if err != nil {
			t.Fatal(err)
		}
		base := s.Commits()
		s.deleteLaterWithin(rideDelay, []removal{{id: recs[0].ID, size: recs[0].Size}})
		time.Sleep(lazyDelay)
		synctest.Wait()
		if got := s.Commits() - base; got != 0 {
			t.Fatalf("%d commits %v after a removal waiting %v, want none", got, lazyDelay, rideDelay)
		}
		s.deleteLater([]removal{{id: recs[1].ID, size: recs[1].Size}})
		time.Sleep(lazyDelay + time.Millisecond)
		synctest.Wait()
		if got := s.Commits() - base; got != 1 {
			t.Errorf("%d commits %v after a lazy write, want one, carrying both removals", got, lazyDelay+time.Millisecond)
		}
		st, err := s.Stats()
		if err != nil {
			t.Fatal(err)
		}
		if st.Pending != 0 {
			t.Errorf("%d bodies pending, want both removed by that commit", st.Pending)
		}
	})
}
