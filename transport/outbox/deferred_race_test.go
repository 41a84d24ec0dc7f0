//go:build unix && !solaris && !aix && !android

package outbox

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
)

// holdInChild has another process, flock(1), hold the lock of the file at
// path until the returned func is called (or the test ends). It returns
// once the child holds the lock.
func holdInChild(t *testing.T, path string) (free func()) {
	t.Helper()
	if _, err := exec.LookPath("flock"); err != nil {
		t.Skip("flock(1) not installed")
	}
	cmd := exec.Command("flock", "--exclusive", path, "sh", "-c", "echo held; read x")
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	if line, err := bufio.NewReader(out).ReadString('\n'); err != nil || line != "held\n" {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		t.Fatalf("flock child said %q, %v", line, err)
	}
	var once sync.Once
	free = func() {
		once.Do(func() {
			_ = stdin.Close() // read ends, sh exits, flock lets go
			_ = cmd.Wait()
		})
	}
	t.Cleanup(free)
	return free
}

// lockFree reports whether this process can take the lock of the file at
// path at once (then let go of it): no Store of the test holds it.
func lockFree(t *testing.T, path string) bool {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		return false
	}
	_ = syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
	return true
}

// entryN is a distinct body for caller n.
func entryN(n int) Entry {
	return Entry{InjectID: fmt.Sprintf("i-%d", n), Phase: "execution_complete", TotalChunks: 1,
		BaseURL: "http://127.0.0.1:1", Body: []byte(fmt.Sprintf(`{"n":%d}`, n))}
}

// storedBodies opens the file at path afresh, as the next process would,
// and returns how many records hold each body.
func storedBodies(t *testing.T, path string) map[string]int {
	t.Helper()
	s := mustOpen(t, path, Options{ReadOnly: true})
	defer s.Close()
	recs, err := s.List()
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]int{}
	for _, r := range recs {
		full, err := s.Get(r.ID)
		if err != nil {
			t.Fatal(err)
		}
		got[string(full.Body)]++
	}
	return got
}

// TestDeferredStoreManyCallers checks a Store OpenDeferred returned, its
// file held by another process (flock(1)), on which many goroutines put,
// claim again, list, hold and read counts while the lock is freed at different
// moments: before any of them tries, while an opening waits for it, and
// as a put joins the opening in flight. Every put returns once the lock
// is free (one lock timeout is far longer than the test), its body
// stored once, found by the next process; a claim takes each body once;
// the calls that do not wait (Hold, StatsNow, LockWait) fail with the
// lock or succeed, nothing else; and after Close the file is free.
// It would catch an opening done twice (the attempts recovered, the
// leftovers removed, twice), a put lost or stored twice by a joined
// opening's retry, a claim given twice, and a Store keeping the lock
// after Close.
func TestDeferredStoreManyCallers(t *testing.T) {
	const callers = 12
	for _, when := range []string{"before the first try", "during the wait", "as a put joins"} {
		t.Run(when, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "outbox.db")
			if err := mustOpen(t, path, Options{}).Close(); err != nil {
				t.Fatal(err)
			}
			free := holdInChild(t, path)
			s, err := OpenDeferred(path, Options{Shared: true, Timeout: DefaultTimeout}, 0)
			if !errors.Is(err, ErrLocked) {
				t.Fatalf("OpenDeferred while another process holds the file = %v", err)
			}
			waiting := make(chan struct{}, 1)
			s.SetWaitingHook(func() {
				select {
				case waiting <- struct{}{}:
				default:
				}
			})
			if when == "before the first try" {
				free()
			}
			var wg sync.WaitGroup
			errs := make(chan error, callers*8)
			start := make(chan struct{})
			for n := range callers {
				wg.Add(1)
				go func() {
					defer wg.Done()
					<-start
					if n == callers-1 && when == "as a put joins" {
						<-waiting
						free() // the lock goes as this put comes to the opening in flight
					}
					recs, err := s.Put(entryN(n))
					if err != nil {
						errs <- fmt.Errorf("put %d: %w", n, err)
						return
					}
					// Put made the body this caller's: no second claim.
					if _, ok, err := s.Claim(recs[0].ID); err != nil || ok {
						errs <- fmt.Errorf("claim %d of the body its put holds = %v, %v; want not taken", n, ok, err)
					}
					if _, err := s.List(); err != nil {
						errs <- fmt.Errorf("list %d: %w", n, err)
					}
					release, err := s.Hold()
					release()
					if err != nil && !errors.Is(err, ErrLocked) {
						errs <- fmt.Errorf("hold %d: %w", n, err)
					}
					if _, err := s.StatsNow(); err != nil && !errors.Is(err, ErrLocked) {
						errs <- fmt.Errorf("stats now %d: %w", n, err)
					}
					if err := s.LockWait(); err != nil && !errors.Is(err, ErrLocked) {
						errs <- fmt.Errorf("lock wait %d: %w", n, err)
					}
				}()
			}
			close(start)
			if when == "during the wait" {
				<-waiting
				free()
			}
			wg.Wait()
			close(errs)
			for err := range errs {
				t.Error(err)
			}
			select {
			case <-s.Opened():
			default:
				t.Error("Opened not closed once the puts went through")
			}
			if err := s.LockWait(); err != nil {
				t.Errorf("LockWait once opened = %v", err)
			}
			if err := s.Close(); err != nil {
				t.Fatalf("Close: %v", err)
			}
			if !lockFree(t, path) {
				t.Fatal("the file is still locked once Close returned")
			}
			got := storedBodies(t, path)
			for n := range callers {
				body := string(entryN(n).Body)
				if got[body] != 1 {
					t.Errorf("body %s stored %d times, want 1", body, got[body])
				}
			}
			if len(got) != callers {
				t.Errorf("%d bodies stored, want %d", len(got), callers)
			}
		})
	}
}

// TestCloseRacesAnOpeningInFlight checks Close while an opening waits for
// another process's lock, on a Store OpenDeferred returned and on one
// opened: a read waiting is not waited for by Close, and once the lock
// is freed after Close returned it fails (ErrClosed), leaving the file
// free and no lock record of this process behind; a put waiting,
// the lock freed as Close
// starts, either fails (ErrClosed: its claim not begun when Close
// started) with nothing stored, or succeeds with its body stored once and
// given back: the next process claims it at once. It would catch a late opening that keeps the file
// locked or its lock record after Close, a put that returns an error
// with its body stored (sent twice by a caller that puts it again) or
// success with it lost, and a body left owned by the closed Store.
func TestCloseRacesAnOpeningInFlight(t *testing.T) {
	for _, deferred := range []bool{false, true} {
		t.Run(fmt.Sprintf("read, deferred %v", deferred), func(t *testing.T) {
			path, s, free, waiting := lockedStore(t, deferred)
			read := make(chan error, 1)
			go func() { _, err := s.List(); read <- err }()
			<-waiting
			if err := s.Close(); err != nil {
				t.Errorf("Close while a read waits for the lock: %v", err)
			}
			free()
			if err := <-read; !errors.Is(err, ErrClosed) {
				t.Errorf("the read, Close returned as it waited = %v, want ErrClosed", err)
			}
			if !lockFree(t, path) {
				t.Error("the file is locked once Close and the read returned")
			}
			if _, err := os.Stat(s.lockPath()); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("the lock record is left behind: %v", err)
			}
			if _, err := s.List(); !errors.Is(err, ErrClosed) {
				t.Errorf("a read after Close = %v, want ErrClosed", err)
			}
		})
		t.Run(fmt.Sprintf("put, deferred %v", deferred), func(t *testing.T) {
			path, s, free, waiting := lockedStore(t, deferred)
			s.hooks.closing = free // the lock goes as Close starts
			put := make(chan error, 1)
			go func() { _, err := s.Put(entryN(1)); put <- err }()
			<-waiting
			if err := s.Close(); err != nil {
				t.Errorf("Close while a put waits for the lock: %v", err)
			}
			perr := <-put
			if perr != nil && !errors.Is(perr, ErrClosed) {
				t.Errorf("the put Close raced = %v, want success or ErrClosed", perr)
			}
			if _, err := s.Put(entryN(2)); !errors.Is(err, ErrClosed) {
				t.Errorf("a put after Close = %v, want ErrClosed", err)
			}
			if !lockFree(t, path) {
				t.Error("the file is locked once Close returned")
			}
			got := storedBodies(t, path)
			if perr != nil {
				if len(got) != 0 {
					t.Errorf("bodies stored by a put that failed = %v, want none", got)
				}
				return
			}
			if len(got) != 1 || got[string(entryN(1).Body)] != 1 {
				t.Errorf("bodies stored = %v, want the put's once", got)
			}
			next := mustOpen(t, path, Options{Shared: true})
			defer next.Close()
			recs, err := next.List()
			if err != nil || len(recs) != 1 {
				t.Fatalf("List = %v, %v", recs, err)
			}
			if _, ok, err := next.Claim(recs[0].ID); err != nil || !ok {
				t.Errorf("the next process's claim of the body given back = %v, %v", ok, err)
			}
		})
	}
}

// lockedStore returns an outbox whose file a child process holds (free
// lets go of it): opened before the lock was taken, or, deferred, by
// OpenDeferred after it; waiting gets a value as a call starts to wait
// for the lock.
func lockedStore(t *testing.T, deferred bool) (path string, s *Store, free func(), waiting chan struct{}) {
	t.Helper()
	path = filepath.Join(t.TempDir(), "outbox.db")
	s = mustOpen(t, path, Options{Shared: true, Timeout: DefaultTimeout})
	free = holdInChild(t, path)
	if deferred {
		_ = s.Close()
		var err error
		if s, err = OpenDeferred(path, Options{Shared: true, Timeout: DefaultTimeout}, 0); !errors.Is(err, ErrLocked) {
			t.Fatalf("OpenDeferred = %v", err)
		}
	}
	waiting = make(chan struct{}, 1)
	s.SetWaitingHook(func() { waiting <- struct{}{} })
	return path, s, free, waiting
}
