//go:build unix && !solaris && !aix && !android

package outbox

import (
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
)

// TestDeferredBesideAStoreOfThisProcess checks two Stores of one process
// on one file: the first opened not shared (holding the file's lock until
// closed, as another process would), the second OpenDeferred, whose puts
// wait for the lock, joined in one opening. Once the first closes, every
// put of the second goes through, the bodies of both Stores stored once,
// and the first's body, given back at its Close, is claimed by the second
// once only. It would catch a deferred opening that, done in this process
// beside another Store, takes the other's body as interrupted, counts an
// attempt twice, or loses a put.
func TestDeferredBesideAStoreOfThisProcess(t *testing.T) {
	const callers = 6
	path := filepath.Join(t.TempDir(), "outbox.db")
	first := mustOpen(t, path, Options{})
	firstRecs, err := first.Put(entryN(100))
	if err != nil {
		t.Fatal(err)
	}
	second, err := OpenDeferred(path, Options{Shared: true, Timeout: DefaultTimeout}, 0)
	if !errors.Is(err, ErrLocked) {
		t.Fatalf("OpenDeferred beside a Store holding the file = %v", err)
	}
	defer second.Close()
	waiting := make(chan struct{}, 1)
	second.SetWaitingHook(func() {
		select {
		case waiting <- struct{}{}:
		default:
		}
	})
	var wg sync.WaitGroup
	errs := make(chan error, callers)
	for n := range callers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := second.Put(entryN(n)); err != nil {
				errs <- fmt.Errorf("put %d: %w", n, err)
			}
		}()
	}
	<-waiting
	if err := first.Close(); err != nil {
		t.Fatal(err)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	claimed := 0
	for range 2 {
		_, ok, err := second.Claim(firstRecs[0].ID)
		if err != nil {
			t.Fatal(err)
		}
		if ok {
			claimed++
		}
	}
	if claimed != 1 {
		t.Errorf("the first Store's body, given back, claimed %d times by the second, want 1", claimed)
	}
	r, err := second.Get(firstRecs[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	if r.Attempts != 0 || r.Unanswered != 0 {
		t.Errorf("the first Store's body, never posted: %d attempts, %d unanswered; want none", r.Attempts, r.Unanswered)
	}
	if err := second.Close(); err != nil {
		t.Fatal(err)
	}
	got := storedBodies(t, path)
	for n := range callers + 1 {
		if n == callers {
			n = 100 // the first Store's
		}
		if body := string(entryN(n).Body); got[body] != 1 {
			t.Errorf("body %s stored %d times, want 1", body, got[body])
		}
	}
}
