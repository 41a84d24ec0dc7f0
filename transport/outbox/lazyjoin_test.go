package outbox

import (
	"path/filepath"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

// TestLazyWritesRideWithAJoiningWrite: the empty write that commits the
// lazy writes (flushLazy, from Close or the lazy timer) may join a group
// transaction whose writes run; the lazy writes waiting then join it too,
// rather than stay queued with no timer left to commit them (Close would
// wait for them for ever).
func TestLazyWritesRideWithAJoiningWrite(t *testing.T) {
	for _, shared := range []bool{false, true} {
		s := mustOpen(t, filepath.Join(t.TempDir(), "outbox.db"), Options{Shared: shared})
		queued := make(chan struct{}, 2)
		s.hooks = commitHooks{queued: func() { queued <- struct{}{} }}
		first, release := heldWrite(s, queued)
		// Only the flushLazy below commits the lazy write: a lazy timer
		// already set (stopped) keeps writeLater from starting one, which
		// would fire flushLazy on its own once lazyDelay passed (a busy
		// machine holding the test that long between writeSoon and a
		// Stop of it: a nil timer stopped, or a flush taking the lazy
		// write before the one below).
		s.wmu.Lock()
		s.lazyTimer = time.AfterFunc(time.Hour, func() {})
		s.lazyTimer.Stop()
		s.wmu.Unlock()
		// Queued after the running batch was taken: it waits for the next.
		if err := s.writeSoon("lazy", func(tx *bolt.Tx) error {
			_, err := tx.CreateBucketIfNotExists([]byte("lazy"))
			return err
		}); err != nil {
			t.Fatal(err)
		}
		flushed := make(chan struct{})
		go func() { s.flushLazy(); close(flushed) }()
		<-queued // flushLazy's empty write waits while the first one runs
		release()
		if err := <-first; err != nil {
			t.Fatal(err)
		}
		<-flushed
		s.wmu.Lock()
		left := len(s.lazy)
		s.wmu.Unlock()
		if left != 0 {
			t.Errorf("shared=%t: %d lazy writes left queued after flushLazy's write committed, want 0", shared, left)
			s.flushLazy() // so that Close does not wait for ever
		}
		s.later.Wait()
		err := s.do(false, func(tx *bolt.Tx) error {
			if tx.Bucket([]byte("lazy")) == nil {
				t.Errorf("shared=%t: the lazy write is not in the file", shared)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
	}
}
