package outbox_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
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
	want := smallBodyList(n)
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
			srv := newStallServer(t, tt.first)
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

			<-srv.got
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
			if posted := srv.posts(); len(posted) != 1 {
				t.Errorf("%d requests while the first is unanswered, want 1", len(posted))
			}

			if tt.answer {
				close(srv.release)
				if err := <-errc; err != nil {
					t.Fatal(err)
				}
				posted := srv.posts()
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

// stallServer is a backend whose first POST stalls until release is
// closed (or the request ends), or, with a status, is answered with it at
// once; it answers every later POST 200, and keeps every body posted.
type stallServer struct {
	*httptest.Server
	got     chan struct{} // closed when the first POST arrives
	release chan struct{}

	mu     sync.Mutex
	posted [][]byte
}

func newStallServer(t *testing.T, first int) *stallServer {
	srv := &stallServer{got: make(chan struct{}), release: make(chan struct{})}
	srv.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		srv.mu.Lock()
		isFirst := len(srv.posted) == 0
		srv.posted = append(srv.posted, b)
		srv.mu.Unlock()
		if !isFirst {
			return
		}
		close(srv.got)
		if first != 0 {
			w.WriteHeader(first)
			return
		}
		select {
		case <-srv.release:
		case <-r.Context().Done():
		}
	}))
	t.Cleanup(srv.Close)
	t.Cleanup(func() { closeOnce(srv.release) })
	return srv
}

// posts returns the bodies posted so far, in order (later posts are
// appended past its length, so it stays as it is).
func (srv *stallServer) posts() [][]byte {
	srv.mu.Lock()
	defer srv.mu.Unlock()
	return srv.posted[:len(srv.posted):len(srv.posted)]
}

// closeOnce closes c unless it is closed.
func closeOnce(c chan struct{}) {
	select {
	case <-c:
	default:
		close(c)
	}
}

// A send whose first POST stalled reads its tail back from the outbox;
// when its last body cannot be read back, that body was stored durably
// all the same: it stays pending (it was dead-listed unsent as
// "unsendable: empty inject id"), the send says it was not delivered, and
// a flush delivers it. A record whose stored metadata is damaged is dead
// as corrupt, and so is not sent.
func TestDelivererKeepsABodyItCouldNotReadBack(t *testing.T) {
	const n = 2048
	want := smallBodyList(n)
	for _, tt := range []struct {
		name    string
		damaged bool // the record's metadata, else the read fails once
	}{
		{"the read fails", false},
		{"the record is damaged", true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			srv := newStallServer(t, 0)
			s := openStore(t, outbox.Options{Shared: true})
			stored, stalled := make(chan struct{}), make(chan struct{})
			s.SetStoredHook(func() { close(stored) })
			s.SetStalledHook(func() { close(stalled) })
			var unread atomic.Uint64 // the id whose read back fails, once
			s.SetReadBackHook(func(id uint64) error {
				if id != 0 && unread.CompareAndSwap(id, 0) {
					return errors.New("read error (test)")
				}
				return nil
			})
			c, err := transport.New(srv.URL, transport.WithRetry(2, time.Hour))
			if err != nil {
				t.Fatal(err)
			}
			d := &outbox.Deliverer{Profile: stallProfile{Client: c, n: n}, Store: s}
			errc := make(chan error, 1)
			go func() {
				errc <- d.Deliver(context.Background(), &ikruntime.Report{InjectID: "small", Phase: "complete"})
			}()

			<-stored // every body, before the first POST
			<-srv.got
			<-stalled // the first POST unanswered: the tail is read back
			recs, err := s.List()
			if err != nil || len(recs) != n {
				t.Fatalf("%d of %d bodies stored, %v", len(recs), n, err)
			}
			last := recs[n-1] // stored while the first POST stalled: read back
			if last.ChunkIndex != n-1 {
				t.Fatalf("last record is chunk %d", last.ChunkIndex)
			}
			if tt.damaged {
				outbox.DamageRecord(t, s, last.ID, `"phase"`, `#phase"`)
			} else {
				unread.Store(last.ID)
			}
			close(srv.release)

			err = <-errc
			var se *ikruntime.StoredError
			if !errors.As(err, &se) || se.Pending+se.Dead != 1 || (se.Dead == 1) != tt.damaged {
				t.Fatalf("err = %v (%+v), want the last body kept, dead only if damaged", err, se)
			}
			rec := stateOf(t, s, last.ID)
			switch {
			case tt.damaged && (rec.State != outbox.Dead || rec.DeadReason != outbox.ReasonCorrupt || !strings.Contains(rec.LastError, "corrupt record")):
				t.Errorf("damaged record after the send: %s %q %q, want dead as a corrupt record", rec.State, rec.DeadReason, rec.LastError)
			case !tt.damaged && (rec.State != outbox.Pending || rec.DeadReason != "" || rec.Attempts != 0 || !strings.Contains(rec.LastError, "read error (test)")):
				t.Errorf("unread record after the send: %s %q, %d attempts, %q; want pending, its read error kept", rec.State, rec.DeadReason, rec.Attempts, rec.LastError)
			}

			res, err := (&outbox.Resender{Store: s, Client: func(string) (outbox.Poster, error) { return c, nil }}).Flush(context.Background())
			if err != nil || res.Delivered != se.Pending || res.Rejected != 0 {
				t.Fatalf("flush %+v %v, want %d delivered", res, err, se.Pending)
			}
			posted := map[string]int{} // bodies posted, and how often
			for _, b := range srv.posts() {
				posted[string(b)]++
			}
			for i, b := range want {
				if k := posted[string(b)]; k != 1 && (i < n-1 || !tt.damaged) {
					t.Errorf("body %d posted %d times, want once", i, k)
				}
			}
			if st, err := s.Stats(); err != nil || st.Pending != 0 || st.Dead != se.Dead {
				t.Errorf("after the flush: %+v %v, want no body pending, %d dead", st, err, se.Dead)
			}
		})
	}
}

// stateOf returns record id as the outbox keeps it.
func stateOf(t *testing.T, s *outbox.Store, id uint64) outbox.Record {
	t.Helper()
	r, err := s.Get(id)
	if err != nil {
		t.Fatal(err)
	}
	return r
}
