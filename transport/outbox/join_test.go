package outbox

import (
	"errors"
	"path/filepath"
	"slices"
	"sync"
	"testing"

	bolt "go.etcd.io/bbolt"
)

// heldWrite starts a write of bucket "first" on s and returns once its
// group transaction runs it (queued receives from s's queued hook): the
// write holds that transaction, uncommitted, until release is called, and
// first receives its outcome. Run again (alone, after a joined write
// failed), it holds nothing.
func heldWrite(s *Store, queued <-chan struct{}) (first <-chan error, release func()) {
	running, released := make(chan struct{}), make(chan struct{})
	var once sync.Once
	done := make(chan error, 1)
	go func() {
		done <- s.do(true, func(tx *bolt.Tx) error {
			once.Do(func() { // only the first time it runs
				close(running)
				<-released
			})
			_, err := tx.CreateBucketIfNotExists([]byte("first"))
			return err
		})
	}()
	<-queued
	<-running
	return done, func() { close(released) }
}

// TestWriteJoinsTransactionNotYetCommitting: a write queued while the
// writes of a group transaction run, before it commits, joins it: one
// commit (one pair of fsyncs) for both, each caller told once it is
// durable. One queued later, while the transaction commits, waits for the
// next (see TestGroupCommitSharesOneCommit). A joined write that fails is
// run again alone, the others committed without it.
func TestWriteJoinsTransactionNotYetCommitting(t *testing.T) {
	errRefused := errors.New("refused")
	for _, joinedFails := range []bool{false, true} {
		t.Run(map[bool]string{false: "committed", true: "joined write fails"}[joinedFails], func(t *testing.T) {
			for _, shared := range []bool{false, true} {
				s := mustOpen(t, filepath.Join(t.TempDir(), "outbox.db"), Options{Shared: shared})
				queued := make(chan struct{}, 2)
				var writes []int
				s.hooks = commitHooks{queued: func() { queued <- struct{}{} }, before: func(n int) { writes = append(writes, n) }}
				first, release := heldWrite(s, queued)
				second := make(chan error, 1)
				go func() {
					second <- s.do(true, func(tx *bolt.Tx) error {
						if joinedFails {
							return errRefused
						}
						_, err := tx.CreateBucketIfNotExists([]byte("second"))
						return err
					})
				}()
				<-queued // the second write waits while the first one runs
				release()
				if err := <-first; err != nil {
					t.Fatal(err)
				}
				err := <-second
				wantCommits, wantWrites := int64(1), []int{2}
				if joinedFails {
					// The transaction of both failed; the second ran again
					// alone, refused, and the first committed without it.
					wantCommits, wantWrites = 3, []int{1}
					if !errors.Is(err, errRefused) {
						t.Errorf("the joined write's error %v, want %v", err, errRefused)
					}
				} else if err != nil {
					t.Fatal(err)
				}
				if c := s.Commits(); c != wantCommits {
					t.Errorf("shared=%t: %d commits, want %d", shared, c, wantCommits)
				}
				if !slices.Equal(writes, wantWrites) {
					t.Errorf("shared=%t: writes per committed transaction %v, want %v", shared, writes, wantWrites)
				}
				err = s.do(false, func(tx *bolt.Tx) error {
					if tx.Bucket([]byte("first")) == nil || (tx.Bucket([]byte("second")) == nil) != joinedFails {
						return errors.New("the committed writes are not in the file")
					}
					return nil
				})
				if err != nil {
					t.Error(err)
				}
				if err := s.Close(); err != nil {
					t.Fatal(err)
				}
			}
		})
	}
}

// TestJoinedWriteSharesAFailedCommit: a write that joined a group
// transaction whose commit then fails (a full disk) is told that error,
// as the write that began it is, and neither is in the file.
func TestJoinedWriteSharesAFailedCommit(t *testing.T) {
	errDisk := errors.New("disk full")
	for _, shared := range []bool{false, true} {
		s := mustOpen(t, filepath.Join(t.TempDir(), "outbox.db"), Options{Shared: shared})
		queued := make(chan struct{}, 2)
		var writes []int
		s.hooks = commitHooks{queued: func() { queued <- struct{}{} },
			before: func(n int) { writes = append(writes, n) },
			fail:   func() error { return errDisk }}
		first, release := heldWrite(s, queued)
		second := make(chan error, 1)
		go func() {
			second <- s.do(true, func(tx *bolt.Tx) error {
				_, err := tx.CreateBucketIfNotExists([]byte("second"))
				return err
			})
		}()
		<-queued // the second write waits while the first one runs
		release()
		for name, errc := range map[string]<-chan error{"first": first, "second": second} {
			if err := <-errc; !errors.Is(err, errDisk) {
				t.Errorf("shared=%t: the %s write's error %v, want %v", shared, name, err, errDisk)
			}
		}
		if c := s.Commits(); c != 1 || !slices.Equal(writes, []int{2}) {
			t.Errorf("shared=%t: %d transactions holding %v writes, want 1 holding [2]", shared, c, writes)
		}
		s.hooks = commitHooks{}
		err := s.do(false, func(tx *bolt.Tx) error {
			if tx.Bucket([]byte("first")) != nil || tx.Bucket([]byte("second")) != nil {
				return errors.New("a write of the failed commit is in the file")
			}
			return nil
		})
		if err != nil {
			t.Error(err)
		}
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
	}
}
