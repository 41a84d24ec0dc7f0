package serve

import (
	"crypto/sha256"
	"sync"
	"time"
)

// MaxRequeueDelay caps the delay before a message that keeps failing is
// handled again (see retries).
const MaxRequeueDelay = time.Minute

// retries counts the transient failures of each message, by the digest of
// its body (a redelivery holds the same bytes: the same inject), so that
// the delay before it is handled again grows: RequeueDelay, then twice
// that, up to MaxRequeueDelay. A platform that answers 5xx for one inject
// for ever gets that inject's reception once a minute, not every few
// seconds, and the message is kept by its worker, never returned to a
// queue that could drop it: it is never dropped for a platform error.
// The zero value is ready; it is safe for concurrent use.
type retries struct {
	mu sync.Mutex
	n  map[[sha256.Size]byte]int
}

// failed records one more failure of the message body and returns its
// count and the delay before it is handled again, base doubled for each failure
// before this one and capped at MaxRequeueDelay (base when larger).
func (rt *retries) failed(body []byte, base time.Duration) (attempt int, delay time.Duration) {
	key := sha256.Sum256(body)
	rt.mu.Lock()
	defer rt.mu.Unlock()
	if rt.n == nil {
		rt.n = map[[sha256.Size]byte]int{}
	}
	if _, seen := rt.n[key]; !seen && len(rt.n) >= maxKeys {
		for k := range rt.n {
			delete(rt.n, k) // any one: a count lost only shortens a delay
			break
		}
	}
	rt.n[key]++
	attempt = rt.n[key]
	delay = base
	for i := 1; i < attempt && delay > 0 && delay < MaxRequeueDelay; i++ {
		delay *= 2
	}
	return attempt, min(delay, max(MaxRequeueDelay, base))
}

// forget drops the count of the message body, settled for good.
func (rt *retries) forget(body []byte) {
	rt.mu.Lock()
	none := len(rt.n) == 0
	rt.mu.Unlock()
	if none {
		return // no digest to compute: nothing failed
	}
	key := sha256.Sum256(body)
	rt.mu.Lock()
	delete(rt.n, key)
	rt.mu.Unlock()
}

// unhandled remembers the messages this daemon returned to the queue
// without handing them to the Handler (prefetched when it paused, replaced
// its consumer by one that takes more, or left the queue for a changed
// registration), by the
// digest of their body: the broker flags them redelivered when they come
// back, though no handler has seen them. Bounded by maxKeys (past it, one
// is forgotten: it then comes back as a plain redelivery). The zero value
// is ready; it is safe for concurrent use.
type unhandled struct {
	mu sync.Mutex
	n  map[[sha256.Size]byte]struct{}
}

// returned records the message body returned unhandled: a first delivery,
// or a message that was only ever returned unhandled before (another
// consumer may have handled a redelivery).
func (u *unhandled) returned(body []byte, redelivered bool) {
	key := sha256.Sum256(body)
	u.mu.Lock()
	defer u.mu.Unlock()
	if _, seen := u.n[key]; redelivered && !seen {
		return
	}
	if u.n == nil {
		u.n = map[[sha256.Size]byte]struct{}{}
	}
	if len(u.n) >= maxKeys {
		for k := range u.n {
			delete(u.n, k)
			break
		}
	}
	u.n[key] = struct{}{}
}

// take reports whether the message body was returned unhandled, and
// forgets it: it is being handed to the Handler.
func (u *unhandled) take(body []byte) bool {
	u.mu.Lock()
	none := len(u.n) == 0
	u.mu.Unlock()
	if none {
		return false // no digest to compute
	}
	key := sha256.Sum256(body)
	u.mu.Lock()
	defer u.mu.Unlock()
	_, seen := u.n[key]
	delete(u.n, key)
	return seen
}
