package outbox

import (
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"

	bolt "go.etcd.io/bbolt"
)

// TestGroupCommitStressSettlesEachWriteOnce: many writers, waited and lazy,
// some refused by their own fn, some transactions failed at commit (as a
// full disk would), and empty writes committing the lazy ones (as the
// lazy timer and Close do) racing them, so that writes join transactions
// whose writes run. Each write is settled exactly once (a second settle
// closes its done channel again and panics; a lazy write's then is
// counted), none is lost (every caller returns, every lazy write's then
// is called), and each is in the file exactly when its outcome says it
// was committed.
func TestGroupCommitStressSettlesEachWriteOnce(t *testing.T) {
	const writers, perWriter = 8, 150
	bucket := []byte("stress")
	errRefused := errors.New("refused by its fn")
	errDisk := errors.New("commit failed")
	for _, shared := range []bool{false, true} {
		t.Run(fmt.Sprintf("shared=%t", shared), func(t *testing.T) {
			s := mustOpen(t, filepath.Join(t.TempDir(), "outbox.db"), Options{Shared: shared})
			if err := s.do(true, func(tx *bolt.Tx) error {
				_, err := tx.CreateBucketIfNotExists(bucket)
				return err
			}); err != nil {
				t.Fatal(err)
			}
			var txs, joined atomic.Int64
			s.hooks = commitHooks{
				before: func(n int) {
					if n > 1 {
						joined.Add(1)
					}
				},
				fail: func() error {
					if txs.Add(1)%5 == 0 {
						return errDisk
					}
					return nil
				},
			}
			put := func(k string) func(*bolt.Tx) error {
				return func(tx *bolt.Tx) error { return tx.Bucket(bucket).Put([]byte(k), []byte(k)) }
			}
			var (
				mu       sync.Mutex
				outcome  = map[string]error{} // key -> the error its writer was told
				settles  = map[string]int{}   // key -> lazy then calls
				lazyDone sync.WaitGroup
				wg       sync.WaitGroup
			)
			for w := range writers {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for i := range perWriter {
						k := fmt.Sprintf("w%d-%d", w, i)
						switch {
						case i%6 == 5:
							lazyDone.Add(1)
							s.writeLater(put(k), nil, func(err error) {
								mu.Lock()
								settles[k]++
								outcome[k] = err
								mu.Unlock()
								lazyDone.Done()
							})
							continue
						case i%11 == 3:
							s.flushLazy() // an empty write, as the lazy timer's
							continue
						}
						fn := put(k)
						if i%7 == 2 {
							fn = func(*bolt.Tx) error { return errRefused }
						}
						err := s.do(true, fn)
						if err != nil && !errors.Is(err, errRefused) && !errors.Is(err, errDisk) {
							t.Errorf("write %s: %v, want nil, %v or %v", k, err, errRefused, errDisk)
						}
						if i%7 == 2 && !errors.Is(err, errRefused) {
							t.Errorf("refused write %s: %v, want %v", k, err, errRefused)
						}
						mu.Lock()
						outcome[k] = err
						mu.Unlock()
					}
				}()
			}
			wg.Wait()
			s.flushLazy()
			lazyDone.Wait()
			var committed int
			err := s.do(false, func(tx *bolt.Tx) error {
				b := tx.Bucket(bucket)
				for k, err := range outcome {
					if in := b.Get([]byte(k)) != nil; in != (err == nil) {
						t.Errorf("write %s told %v, in the file: %t", k, err, in)
					}
				}
				committed = b.Stats().KeyN
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			for k, n := range settles {
				if n != 1 {
					t.Errorf("lazy write %s settled %d times, want 1", k, n)
				}
			}
			want := 0
			for i := range perWriter {
				if i%6 == 5 || i%11 != 3 {
					want += writers
				}
			}
			if len(outcome) != want {
				t.Errorf("%d writes settled, want %d", len(outcome), want)
			}
			t.Logf("%d writes, %d committed, %d transactions failed at commit, %d of %d transactions held more than one write",
				len(outcome), committed, txs.Load()/5, joined.Load(), txs.Load())
			if err := s.Close(); err != nil {
				t.Fatal(err)
			}
		})
	}
}
