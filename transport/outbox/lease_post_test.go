package outbox

import (
	"context"
	"path/filepath"
	goruntime "runtime"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	bolt "go.etcd.io/bbolt"
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
				s, r := putOne(t, Options{Lease: lease})
				id := r.ID
				if tt.dead {
					retriedDead(t, s, id, 1, 400, "no", "status 400")
					var ok bool
					var err error
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

// A renewal of a body's lease (a POST's, a run's after its traces) extends
// it only while the body is still this process's: not once another
// process took it over, even one with the same pid (two containers
// sharing an outbox volume, each running injectkit as pid 1), told apart
// by its start time; Busy and Claim tell them apart alike.
func TestRenewKeepsToItsOwnRecords(t *testing.T) {
	live := liveProcess(t)
	tests := []struct {
		name      string
		owner     func(s *Store) (pid int, start uint64)
		renewed   bool
		elsewhere bool // Busy: another live process's lease runs
	}{
		{"this process's", func(s *Store) (int, uint64) { return s.pid, s.start }, true, false},
		// On Linux, the process with this pid started at another time
		// (this one) does not hold it; elsewhere it holds it while its
		// lease runs (see liveness.go).
		{"another container's pid 1 alike: this pid, another start", func(s *Store) (int, uint64) { return s.pid, s.start + 1 }, false, goruntime.GOOS != "linux"},
		{"another live process's", func(*Store) (int, uint64) { return live, processStart(live) }, false, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			now := time.Now()
			clock := now
			s, rec := putOne(t, Options{Lease: time.Minute, Now: func() time.Time { return clock }})
			pid, start := tt.owner(s)
			lease := now.Add(10 * time.Second)
			if _, err := s.update(rec.ID, func(r *Record) error {
				r.Owner, r.OwnerStart, r.LeaseUntil = pid, start, lease
				return nil
			}); err != nil {
				t.Fatal(err)
			}
			clock = now.Add(5 * time.Second)
			if _, _, err := s.renew([]uint64{rec.ID}); err != nil {
				t.Fatal(err)
			}
			got, err := s.Get(rec.ID)
			if err != nil {
				t.Fatal(err)
			}
			want := lease
			if tt.renewed {
				want = clock.Add(time.Minute)
			}
			if got.Owner != pid || got.OwnerStart != start || !got.LeaseUntil.Equal(want) {
				t.Errorf("after renew: owner %d (start %d) until %s; want %d (start %d) until %s",
					got.Owner, got.OwnerStart, got.LeaseUntil, pid, start, want)
			}
			if busy := s.ownedElsewhere(got); busy != tt.elsewhere {
				t.Errorf("ownedElsewhere = %v, want %v", busy, tt.elsewhere)
			}
		})
	}
}

// A body whose POST starts with its lease nearly gone, or gone (a run's
// body posted long after it was stored, a resender's claimed half a lease
// before), has it renewed at once, not half a lease into the POST: no
// other process's flush or resender can take it while it is posted. One
// with its lease whole is renewed half a lease before it ends.
func TestPostRenewsALeaseNearlyGone(t *testing.T) {
	tests := []struct {
		name   string
		before time.Duration // from the Put to the POST
	}{
		{"lease whole", 0},
		{"ten seconds left", 50 * time.Second},
		{"lease ended, the body still this process's", 70 * time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				const lease = time.Minute
				s, r := putOne(t, Options{Lease: lease})
				time.Sleep(tt.before)
				p := &blockingPoster{posted: make(chan struct{}), release: make(chan error)}
				done := make(chan Outcome, 1)
				go func() {
					out, _ := s.Send(context.Background(), p, r, 0)
					done <- out
				}()
				<-p.posted
				start := time.Now()
				for _, at := range []time.Duration{0, 20 * time.Second, 60 * time.Second, 4 * lease} {
					time.Sleep(time.Until(start.Add(at)))
					synctest.Wait()
					got, err := s.Get(r.ID)
					if err != nil {
						t.Fatal(err)
					}
					now := time.Now()
					if !s.mine(got) || !got.LeaseUntil.After(now) {
						t.Errorf("%s into the POST: owner %d until %s (now %s); want this process's lease running", at, got.Owner, got.LeaseUntil, now)
					}
				}
				p.release <- nil
				if out := <-done; out != Delivered {
					t.Errorf("outcome %v, want delivered", out)
				}
			})
		})
	}
}

// holdFile holds the outbox at path from another Store (another process's
// flush) until the returned release is called: this process's renewals
// wait for it meanwhile, and fail past Options.Timeout.
func holdFile(t *testing.T, path string, opts Options) (release func()) {
	t.Helper()
	other := mustOpen(t, path, opts)
	t.Cleanup(func() { _ = other.Close() })
	held, done := make(chan struct{}), make(chan struct{})
	errc := make(chan error, 1)
	go func() {
		errc <- other.do(true, func(*bolt.Tx) error {
			close(held)
			<-done
			return nil
		})
	}()
	<-held
	release = sync.OnceFunc(func() {
		close(done)
		if err := <-errc; err != nil {
			t.Error(err)
		}
	})
	t.Cleanup(release)
	return release
}

// A POST's end (the keeper's stop) waits for the renewal of its lease in
// flight (one waiting for another process's lock): no renewal commits
// once the POST returned, whatever becomes of the body then (settled,
// handed over).
func TestLeaseStopWaitsForARenewal(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		const lease = time.Minute
		path := filepath.Join(t.TempDir(), "outbox.db")
		opts := Options{Lease: lease, Shared: true, Timeout: time.Hour}
		s := mustOpen(t, path, opts)
		t.Cleanup(func() { _ = s.Close() })
		recs, err := s.Put(entry("inj", 0, 1, "{}"))
		if err != nil {
			t.Fatal(err)
		}
		k := s.keepLease(recs[0].ID, recs[0].LeaseUntil)
		release := holdFile(t, path, opts)
		time.Sleep(lease/2 + time.Second) // the renewal waits for the file
		synctest.Wait()
		stopped := make(chan struct{})
		go func() {
			k.stop()
			close(stopped)
		}()
		synctest.Wait()
		select {
		case <-stopped:
			t.Error("stop returned while a renewal was in flight: it may commit after the POST returned")
			release()
			// Nothing tells when that renewal ends: the fake clock runs on
			// until it did, before the test ends.
			time.Sleep(lease)
			return
		default:
		}
		release()
		<-stopped
		after, err := s.Get(recs[0].ID)
		if err != nil {
			t.Fatal(err)
		}
		time.Sleep(3 * lease)
		synctest.Wait()
		got, err := s.Get(recs[0].ID)
		if err != nil {
			t.Fatal(err)
		}
		if !got.LeaseUntil.Equal(after.LeaseUntil) {
			t.Errorf("lease renewed after stop returned: until %s, was %s", got.LeaseUntil, after.LeaseUntil)
		}
	})
}

// A renewal of a POST's lease that fails (the file held by another
// process past Options.Timeout) is told once, however many renewals fail
// after it, every eighth of a lease; the renewal that succeeds after them
// is told once too. Untold, the lease would end with nothing said, and
// another process take the body and post it too.
func TestLeaseRenewalFailureToldOnce(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		const lease = time.Minute
		var told []error
		path := filepath.Join(t.TempDir(), "outbox.db")
		opts := Options{Lease: lease, Shared: true, Timeout: time.Second}
		s := mustOpen(t, path, Options{Lease: lease, Shared: true, Timeout: time.Second,
			LeaseRenewal: func(_ uint64, err error) { told = append(told, err) }}) // one renewal at a time
		t.Cleanup(func() { _ = s.Close() })
		recs, err := s.Put(entry("inj", 0, 1, "{}"))
		if err != nil {
			t.Fatal(err)
		}
		k := s.keepLease(recs[0].ID, recs[0].LeaseUntil)
		defer k.stop()
		release := holdFile(t, path, opts)
		time.Sleep(5 * lease) // renewals failing all along
		synctest.Wait()
		if len(told) != 1 || told[0] == nil {
			t.Errorf("after renewals failing for 5 leases: told %v; want one failure", told)
			release()
			time.Sleep(lease) // the renewal in flight ends before the test
			return
		}
		release()
		time.Sleep(lease / 4)
		synctest.Wait()
		got, err := s.Get(recs[0].ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(told) != 2 || told[1] != nil || !got.LeaseUntil.After(time.Now()) {
			t.Errorf("after the file was free again: told %v, lease until %s; want the failure, then the renewal (nil)", told, got.LeaseUntil)
		}
	})
}
