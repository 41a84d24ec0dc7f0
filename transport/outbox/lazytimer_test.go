package outbox

import (
	"fmt"
	"testing"
	"testing/synctest"
	"time"

	bolt "go.etcd.io/bbolt"
)

// TestLazyTimerRunsFromTheLazyWritesLeft: a lazy write that a commit
// carried no longer times the next ones. Once a waited write's commit took
// the first lazy write, a lazy write queued half a lazyDelay later is
// committed alone a whole lazyDelay after its own queueing, not when the
// first one's timer would have fired (an extra commit that the next waited
// write would have made unneeded: in a busy serve, every 20 ms). synctest's
// clock says when each commit came.
func TestLazyTimerRunsFromTheLazyWritesLeft(t *testing.T) {
	for _, shared := range []bool{false, true} {
		t.Run(fmt.Sprintf("shared=%t", shared), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				s := openTemp(t, Options{Shared: shared})
				lazy := func(name string) {
					t.Helper()
					if err := s.writeSoon(name, func(tx *bolt.Tx) error {
						_, err := tx.CreateBucketIfNotExists([]byte(name))
						return err
					}); err != nil {
						t.Fatal(err)
					}
				}
				has := func(name string) bool {
					t.Helper()
					in := false
					if err := s.do(false, func(tx *bolt.Tx) error { in = tx.Bucket([]byte(name)) != nil; return nil }); err != nil {
						t.Fatal(err)
					}
					return in
				}
				lazy("first")
				if err := s.do(true, func(*bolt.Tx) error { return nil }); err != nil { // carries "first"
					t.Fatal(err)
				}
				base := s.Commits()
				if !has("first") {
					t.Fatal("the waited write's commit did not carry the lazy write queued before it")
				}
				time.Sleep(lazyDelay / 2)
				lazy("second")
				time.Sleep(lazyDelay/2 + time.Millisecond) // past the first one's lazyDelay
				synctest.Wait()
				if got := s.Commits() - base; got != 0 || has("second") {
					t.Errorf("%d commits %v after the second lazy write was queued (committed: %t), want none before %v",
						got, lazyDelay/2+time.Millisecond, has("second"), lazyDelay)
				}
				time.Sleep(lazyDelay / 2) // past the second one's lazyDelay
				synctest.Wait()
				s.later.Wait()
				if got := s.Commits() - base; got != 1 || !has("second") {
					t.Errorf("%d commits %v after the second lazy write was queued (committed: %t), want it committed alone, once",
						got, lazyDelay+time.Millisecond, has("second"))
				}
			})
		})
	}
}
