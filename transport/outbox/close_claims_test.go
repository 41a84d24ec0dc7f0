package outbox

import (
	"context"
	"errors"
	"path/filepath"
	"sync/atomic"
	"testing"
)

// counting is a Poster that counts its posts and accepts each.
type counting struct{ n atomic.Int32 }

func (p *counting) PostBody(context.Context, string, int, []byte) error {
	p.n.Add(1)
	return nil
}

// A claim made while Close runs, once it gave back what its Store held (a
// Resender or a caller that did not wait for its pass, a retry-dead of a
// runtime shutting down), is refused with ErrClosed and writes nothing:
// before, it was written after the give-back, and its record was kept
// from every other Store of the process until its lease ended (15
// minutes by default). The record is as it was, another Store's to take
// at once.
func TestNoClaimOnceCloseStarted(t *testing.T) {
	tests := []struct {
		name  string
		dead  bool // the record is in the dead list
		claim func(s *Store, id uint64, p Poster) error
	}{
		{"Claim", false, func(s *Store, id uint64, _ Poster) error {
			_, ok, err := s.Claim(id)
			if ok {
				return errors.New("claimed")
			}
			return err
		}},
		{"a Resender's flush", false, func(s *Store, _ uint64, p Poster) error {
			_, err := (&Resender{Store: s, Client: func(string) (Poster, error) { return p, nil }}).Flush(context.Background())
			return err
		}},
		{"RetryDead", true, func(s *Store, id uint64, _ Poster) error {
			_, err := s.RetryDead(id)
			return err
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "outbox.db")
			run := mustOpen(t, path, Options{Shared: true})
			recs, err := run.Put(completeEntry())
			if err != nil {
				t.Fatal(err)
			}
			id := recs[0].ID
			want := Pending
			if tt.dead {
				want = Dead
				if err := run.MoveToDead(id, 1, 422, "no", "422"); err != nil {
					t.Fatal(err)
				}
			}
			if err := run.Close(); err != nil {
				t.Fatal(err)
			}
			closing := mustOpen(t, path, Options{Shared: true})
			var p counting
			var claimErr error
			closing.hooks.gaveBack = func() { claimErr = tt.claim(closing, id, &p) }
			if err := closing.Close(); err != nil {
				t.Fatal(err)
			}
			if !errors.Is(claimErr, ErrClosed) || p.n.Load() != 0 {
				t.Errorf("claim while Close ran: %v, %d posts; want ErrClosed and none", claimErr, p.n.Load())
			}
			next := mustOpen(t, path, Options{Shared: true})
			t.Cleanup(func() { _ = next.Close() })
			r, err := next.Get(id)
			if err != nil {
				t.Fatal(err)
			}
			if r.State != want || r.Owner != 0 || next.Busy(r) {
				t.Errorf("record after Close: %s, owned by pid %d (store %q), busy %v; want %s and unowned",
					r.State, r.Owner, r.ownerStore, next.Busy(r), want)
			}
		})
	}
}

// A record RetryDead moved back to pending whose Store closes before it
// is claimed and sent (SendRetried) is given back by Close: another Store
// of the process sends it at once, not once its lease has ended, and it
// goes once (the closed Store can no longer send it).
func TestCloseGivesBackARetriedRecord(t *testing.T) {
	path := filepath.Join(t.TempDir(), "outbox.db")
	run := mustOpen(t, path, Options{Shared: true})
	recs, err := run.Put(completeEntry())
	if err != nil {
		t.Fatal(err)
	}
	id := recs[0].ID
	if err := run.MoveToDead(id, 1, 422, "no", "422"); err != nil {
		t.Fatal(err)
	}
	if err := run.Close(); err != nil {
		t.Fatal(err)
	}
	retrying := mustOpen(t, path, Options{Shared: true})
	was, err := retrying.Get(id)
	if err != nil {
		t.Fatal(err)
	}
	back, err := retrying.RetryDead(id)
	if err != nil {
		t.Fatal(err)
	}
	if err := retrying.Close(); err != nil {
		t.Fatal(err)
	}
	next := mustOpen(t, path, Options{Shared: true})
	t.Cleanup(func() { _ = next.Close() })
	var p counting
	res, err := (&Resender{Store: next, Client: func(string) (Poster, error) { return &p, nil }}).Flush(context.Background())
	if err != nil || res.Delivered != 1 || res.Busy != 0 {
		t.Fatalf("flush of another Store: %+v, %v; want the retried body delivered", res, err)
	}
	back.Body = []byte(`{"x":1}`)
	if out, err := retrying.SendRetried(context.Background(), &p, back, was); out == Delivered || !errors.Is(err, ErrClosed) {
		t.Errorf("SendRetried of the closed Store: %v, %v; want ErrClosed", out, err)
	}
	if n := p.n.Load(); n != 1 {
		t.Errorf("posted %d times, want once", n)
	}
	if st, err := next.Stats(); err != nil || st.Pending != 0 || st.Dead != 0 {
		t.Errorf("left: %+v, %v", st, err)
	}
}
