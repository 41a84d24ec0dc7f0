package outbox

import (
	"errors"
	"iter"
	"path/filepath"
	"sync/atomic"
	"testing"
)

// A put begun before Close, whose transaction comes once Close gave back
// what its Store held (a run's result stored as the process shuts down,
// a Deliverer reading its bodies), is refused with ErrClosed and writes
// nothing: before, its records were written after the give-back, owned
// by the closed Store, so that no other Store of the process sent them
// until their lease ended (15 minutes by default), and the put said they
// were stored. The put's caller, told, keeps its bodies another way.
func TestPutOnceCloseGaveBackIsRefused(t *testing.T) {
	tests := []struct {
		name string
		n    int
		put  func(s *Store, n int, seq iter.Seq[Entry]) error
	}{
		{"PutAll of one body", 1, func(s *Store, n int, seq iter.Seq[Entry]) error {
			_, err := s.PutAll(n, int64(n*len(completeEntry().Body)), seq)
			return err
		}},
		{"PutAll of three bodies", 3, func(s *Store, n int, seq iter.Seq[Entry]) error {
			_, err := s.PutAll(n, int64(n*len(completeEntry().Body)), seq)
			return err
		}},
		{"PutEach of three bodies", 3, func(s *Store, n int, seq iter.Seq[Entry]) error {
			return s.PutEach(n, int64(n*len(completeEntry().Body)), seq, func([]Record) {})
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "outbox.db")
			s := mustOpen(t, path, Options{Shared: true})
			reading, release := make(chan struct{}), make(chan struct{})
			seq := func(yield func(Entry) bool) {
				close(reading)
				<-release // the put reads its bodies while Close runs
				for i := range tt.n {
					e := completeEntry()
					e.ChunkIndex, e.TotalChunks = i, tt.n
					if !yield(e) {
						return
					}
				}
			}
			putErr := make(chan error, 1)
			go func() { putErr <- tt.put(s, tt.n, seq) }()
			<-reading
			var err error
			s.hooks.gaveBack = func() {
				close(release)
				err = <-putErr // the put ends before the Store is closed
			}
			if cerr := s.Close(); cerr != nil {
				t.Fatal(cerr)
			}
			if !errors.Is(err, ErrClosed) {
				t.Errorf("put once Close gave back: %v; want ErrClosed", err)
			}
			next := mustOpen(t, path, Options{Shared: true})
			t.Cleanup(func() { _ = next.Close() })
			if st, err := next.Stats(); err != nil || st.Pending != 0 || st.Dead != 0 {
				t.Errorf("stored after the refused put: %+v, %v; want nothing", st, err)
			}
		})
	}
}

// A put whose transaction is in flight as Close starts is waited for:
// it stores its body, and Close gives it back with the others, so that
// another Store of the process sends it at once.
func TestPutInFlightAsCloseStartsIsGivenBack(t *testing.T) {
	path := filepath.Join(t.TempDir(), "outbox.db")
	s := mustOpen(t, path, Options{Shared: true})
	queued, release := make(chan struct{}), make(chan struct{})
	var first atomic.Bool
	s.hooks.queued = func() {
		if first.CompareAndSwap(false, true) { // the put's write, not Close's
			close(queued)
			<-release
		}
	}
	s.hooks.closing = func() { close(release) }
	type result struct {
		recs []Record
		err  error
	}
	put := make(chan result, 1)
	go func() {
		recs, err := s.Put(completeEntry())
		put <- result{recs, err}
	}()
	<-queued
	closed := make(chan error, 1)
	go func() { closed <- s.Close() }()
	if err := <-closed; err != nil {
		t.Fatal(err)
	}
	got := <-put
	if got.err != nil || len(got.recs) != 1 {
		t.Fatalf("put in flight as Close started: %v, %v; want its record", got.recs, got.err)
	}
	next := mustOpen(t, path, Options{Shared: true})
	t.Cleanup(func() { _ = next.Close() })
	r, err := next.Get(got.recs[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	if r.State != Pending || r.Owner != 0 || next.Busy(r) {
		t.Errorf("record after Close: %s, owned by pid %d (store %q), busy %v; want pending and unowned",
			r.State, r.Owner, r.ownerStore, next.Busy(r))
	}
}
