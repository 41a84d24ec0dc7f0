package outbox_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	ikruntime "github.com/injectkit/injectkit/runtime"
	"github.com/injectkit/injectkit/transport"
	"github.com/injectkit/injectkit/transport/outbox"
)

// stallProfile sends n small bodies (see smallBodies) through a real
// callback client.
type stallProfile struct {
	*transport.Client
	n int
}

func (p stallProfile) Bodies(context.Context, *ikruntime.Report) (outbox.Bodies, error) {
	need, seq := smallBodies(p.n)
	return outbox.Bodies{N: p.n, Size: need, Seq: seq}, nil
}

// A send whose first POST goes unanswered (a backend that accepts the
// request and never answers, or one that fails it and the client waits to
// retry) stores every body while that POST is still in flight: storing
// ran a few transactions of 512 bodies ahead of the posts, then waited for
// them, and a 2 048-body send kept its last 512 bodies unstored for as long
// as the first was retried, lost to a kill -9 meanwhile. Once the POST is
// answered, the bodies after it are posted in order, read back from the
// outbox; otherwise they all stay pending.
func TestDelivererStoresTheTailWhileTheFirstPostStalls(t *testing.T) {
	const n = 2048
	want := make([][]byte, 0, n)
	_, seq := smallBodies(n)
	for e := range seq {
		want = append(want, bytes.Clone(e.Body))
	}
	for _, tt := range []struct {
		name   string
		first  int  // the first answer's status: 0 none until released
		answer bool // the first POST is answered 200 once released
	}{
		{"never answers", 0, false},
		{"answers 503, the retry waits", http.StatusServiceUnavailable, false},
		{"answers late", 0, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var (
				mu      sync.Mutex
				posted  [][]byte
				once    sync.Once
				got     = make(chan struct{}) // the first request arrived
				release = make(chan struct{})
			)
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				b, _ := io.ReadAll(r.Body)
				mu.Lock()
				first := len(posted) == 0
				posted = append(posted, b)
				mu.Unlock()
				if !first {
					return
				}
				once.Do(func() { close(got) })
				if tt.first != 0 {
					w.WriteHeader(tt.first)
					return
				}
				select {
				case <-release:
				case <-r.Context().Done():
				}
			}))
			t.Cleanup(srv.Close)
			t.Cleanup(func() { closeOnce(release) })
			s := openStore(t, outbox.Options{Shared: true})
			stored := make(chan struct{})
			s.SetStoredHook(func() { close(stored) })
			// One retry, an hour after the first failure: it never comes
			// while the test runs.
			c, err := transport.New(srv.URL, transport.WithRetry(2, time.Hour))
			if err != nil {
				t.Fatal(err)
			}
			d := &outbox.Deliverer{Profile: stallProfile{Client: c, n: n}, Store: s}
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			errc := make(chan error, 1)
			go func() { errc <- d.Deliver(ctx, &ikruntime.Report{InjectID: "small", Phase: "complete"}) }()

			<-got
			select {
			case <-stored:
			case <-time.After(30 * time.Second):
				recs, _ := s.List()
				t.Fatalf("%d of %d bodies stored 30 s after the first POST, still unanswered", len(recs), n)
			}
			recs, err := s.List()
			if err != nil {
				t.Fatal(err)
			}
			if len(recs) != n {
				t.Fatalf("%d of %d bodies stored while the first POST is unanswered", len(recs), n)
			}
			for _, r := range recs {
				if r.State != outbox.Pending {
					t.Fatalf("record %d is %s, want pending", r.ID, r.State)
				}
			}
			mu.Lock()
			if len(posted) != 1 {
				t.Errorf("%d requests while the first is unanswered, want 1", len(posted))
			}
			mu.Unlock()

			if tt.answer {
				close(release)
				if err := <-errc; err != nil {
					t.Fatal(err)
				}
				mu.Lock()
				defer mu.Unlock()
				if len(posted) != n {
					t.Fatalf("%d bodies posted, want %d", len(posted), n)
				}
				for i, b := range posted {
					if !bytes.Equal(b, want[i]) {
						t.Fatalf("body %d posted is not the one given: %.60s", i, b)
					}
				}
				wantEmpty(t, s, "once every body was posted")
				return
			}
			cancel() // the POST ends unanswered
			err = <-errc
			var se *ikruntime.StoredError
			if !errors.As(err, &se) || se.Pending != n {
				t.Fatalf("err = %v, want every body of %d kept pending", err, n)
			}
			if st, err := s.Stats(); err != nil || st.Pending != n {
				t.Errorf("stats after the send: %+v, %v; want %d pending", st, err, n)
			}
		})
	}
}

// closeOnce closes c unless it is closed.
func closeOnce(c chan struct{}) {
	select {
	case <-c:
	default:
		close(c)
	}
}
