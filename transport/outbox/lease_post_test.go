package outbox

import (
	"context"
	"testing"
	"testing/synctest"
	"time"
)

// blockingPoster posts nothing: its post is in flight until release.
type blockingPoster struct {
	posted  chan struct{}
	release chan error
}

func (p *blockingPoster) PostBody(ctx context.Context, _ string, _ int, _ []byte) error {
	close(p.posted)
	return <-p.release
}

// A body whose POST outlasts the lease (its retries, a slow backend)
// keeps its lease while the POST lasts, renewed from its start: another
// process's flush, resender or retry-dead cannot take it and post it too.
// So for Send (a flush's, a resender's) and for SendRetried (retry-dead's).
func TestPostKeepsItsLease(t *testing.T) {
	tests := []struct {
		name string
		send func(s *Store, p Poster, r Record) (Outcome, error)
		dead bool // the body is retried from the dead list
	}{
		{"send", func(s *Store, p Poster, r Record) (Outcome, error) { return s.Send(context.Background(), p, r, 0) }, false},
		{"retry-dead", func(s *Store, p Poster, r Record) (Outcome, error) {
			return s.SendRetried(context.Background(), p, r, Record{})
		}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				const lease = time.Minute
				s := openTemp(t, Options{Lease: lease})
				recs, err := s.Put(entry("inj", 0, 1, "{}"))
				if err != nil {
					t.Fatal(err)
				}
				id := recs[0].ID
				r := recs[0]
				if tt.dead {
					if err := s.MoveToDead(id, 1, 400, "no", "status 400"); err != nil {
						t.Fatal(err)
					}
					if _, err := s.RetryDead(id); err != nil {
						t.Fatal(err)
					}
					var ok bool
					if r, ok, err = s.Claim(id); !ok || err != nil {
						t.Fatalf("Claim = %v, %v", ok, err)
					}
				}
				p := &blockingPoster{posted: make(chan struct{}), release: make(chan error)}
				done := make(chan Outcome, 1)
				go func() {
					out, _ := tt.send(s, p, r)
					done <- out
				}()
				<-p.posted
				time.Sleep(3 * lease) // the POST lasts three leases
				synctest.Wait()
				got, err := s.Get(id)
				if err != nil {
					t.Fatal(err)
				}
				if now := time.Now(); got.Owner != s.pid || !got.LeaseUntil.After(now) {
					t.Errorf("after a POST of 3 leases: owner %d until %s (now %s); want this process's lease running", got.Owner, got.LeaseUntil, now)
				}
				p.release <- nil
				if out := <-done; out != Delivered {
					t.Errorf("outcome %v, want delivered", out)
				}
			})
		})
	}
}
