package openaev

import (
	"errors"
	"sync"
	"testing"
	"testing/synctest"

	"github.com/injectkit/injectkit/transport/outbox"
)

func TestReadOnce(t *testing.T) {
	for _, tc := range []struct {
		name  string
		first error
		reads int // reads made by three calls in a row
	}{
		{"a read that succeeds is not made again", nil, 1},
		{"a read that met the lock is made again until one succeeds", outbox.ErrLocked, 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var o readOnce
			reads := 0
			read := func() error {
				reads++
				if reads == 1 {
					return tc.first
				}
				return nil
			}
			if err := o.Do(read); !errors.Is(err, tc.first) {
				t.Fatalf("first Do = %v, want %v", err, tc.first)
			}
			for range 2 {
				if err := o.Do(read); err != nil {
					t.Fatalf("Do = %v, want nil", err)
				}
			}
			if reads != tc.reads {
				t.Fatalf("%d reads, want %d", reads, tc.reads)
			}
		})
	}
}

// Callers that come while a read is in flight wait for it and take its
// error: none of them reads again.
func TestReadOnceSharesTheReadInFlight(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var o readOnce
		started, release := make(chan struct{}), make(chan struct{})
		var wg sync.WaitGroup
		wg.Go(func() {
			_ = o.Do(func() error {
				close(started)
				<-release
				return outbox.ErrLocked
			})
		})
		<-started
		errs := make([]error, 4)
		for i := range errs {
			wg.Go(func() {
				errs[i] = o.Do(func() error { t.Error("a read made while another was in flight"); return nil })
			})
		}
		synctest.Wait() // every waiter parked on the read in flight
		close(release)
		wg.Wait()
		for i, err := range errs {
			if !errors.Is(err, outbox.ErrLocked) {
				t.Errorf("waiter %d: Do = %v, want the read's %v", i, err, outbox.ErrLocked)
			}
		}
	})
}
