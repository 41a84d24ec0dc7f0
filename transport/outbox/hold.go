package outbox

import (
	"sync"
	"time"
)

// stallDelay is how long a put waits for its caller to take a batch
// (stored) before it lets go of the file it holds (see hold).
const stallDelay = 50 * time.Millisecond

// stallAfter is how long h waits for its caller before it lets go of the
// file: stallDelay, unless a test set another.
func (h *hold) stallAfter() time.Duration {
	if d := h.s.hooks.stall; d > 0 {
		return d
	}
	return stallDelay
}

// hold keeps the file open across the transactions of one put. In Shared
// mode each operation otherwise opens, locks, maps, unmaps and closes the
// file, writes and removes the lock record, and bbolt reads its freelist
// again: a large put commits a transaction every MiB or two (a 100k-target
// `run` reopened the file 31 times, now 5). The file stays locked
// meanwhile, so that another process waits for the end of the put
// (Options.Timeout), as it mostly did already between commits a few
// milliseconds apart (bbolt retries a lock every 50 ms). While the caller
// is slow to take a batch (a POST retrying, say), the put lets go of the
// file after stallDelay and takes it again for its next transaction. Safe
// for concurrent use; s must be set.
type hold struct {
	s   *Store
	mu  sync.Mutex
	on  bool
	err error // the first failure to open the file, returned from then on
}

// take holds the file open, if it is not already. Once it failed it
// fails again at once: a locked file is waited for once.
func (h *hold) take() error {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.on || h.err != nil {
		return h.err
	}
	if _, h.err = h.s.acquire(); h.err != nil {
		return h.err
	}
	h.on = true
	return nil
}

// tryTake holds the file open, if it is not already, trying its lock once
// (not waited for): a file another process holds is not held, and each
// operation waits for it as it would have.
func (h *hold) tryTake() {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.on {
		return
	}
	if _, err := h.s.acquireWithin(0); err == nil {
		h.on = true
	}
}

// drop lets go of the file, if it is held.
func (h *hold) drop() {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.on {
		h.on = false
		h.s.release()
	}
}

// handOver calls stored with recs, letting go of the file if stored takes
// longer than stallDelay.
func (h *hold) handOver(stored func([]Record), recs []Record) {
	t := time.AfterFunc(h.stallAfter(), h.drop)
	stored(recs)
	t.Stop()
}

// Hold keeps the file open until release is called: in Shared mode, the
// operations a caller makes one right after another (serve's room check
// and record of an inject's start) then share one opening of the file
// instead of one each. The lock is tried once, not waited for: a file
// another process holds is not held, and each operation waits for it as
// it would have. release may be called more than once; it does nothing
// when the file was not held (err says why).
func (s *Store) Hold() (release func(), err error) {
	if _, err := s.acquireWithin(0); err != nil {
		return func() {}, err
	}
	var once sync.Once
	return func() { once.Do(s.release) }, nil
}
