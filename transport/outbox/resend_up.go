package outbox

import (
	"net/http"
	"sync"
)

// A backend found up elsewhere: serve's heartbeat reached the platform, or
// another delivery to it succeeded. Its pending bodies would otherwise
// wait out their own backoff (up to MaxBackoff, 5 minutes) after the
// process already knows it answers again. Run's next pass starts at once
// and tries them whatever their next attempt, in their order, for as long
// as they are delivered: the first one not delivered (the backend only
// half back) ends that, and the others keep their schedule. One success
// so buys at most one failed attempt, never a burst of every body against
// a backend that still fails; a body this Resender delivers counts as such
// a success for the bodies after it. Only bodies that failed for want of
// the backend (no answer, a 502, 503 or 504) are sent early: one the
// backend answered otherwise keeps its schedule.

// upState is what a Resender knows of the backends found up: the
// successes told (Up, its own deliveries) and failures met, each stamped
// from one counter, so that a success counts only when it came after the
// backend's last failure. Up is called from other goroutines than Run's.
type upState struct {
	mu     sync.Mutex
	seq    uint64            // the last stamp given
	up     map[string]uint64 // base URL ("": every one) → the stamp of its last success told
	failed map[string]uint64 // base URL → the stamp of its last failed attempt
	seen   uint64            // the stamp when the last pass started: the successes before it were acted on
	// waiting is whether the last pass left bodies pending: Up wakes
	// Run only then, not at every callback a busy daemon delivers.
	waiting bool
	wake    chan struct{}
}

// Up tells Run that the backend at baseURL ("": every backend this
// Resender selects) answered a request (a heartbeat, a delivery made
// elsewhere): its next pass starts at once, and sends that backend's
// pending bodies whatever their next attempt, in their order, until one
// is not delivered; the others keep their schedule. It never blocks and
// is safe for concurrent use, before Run starts too.
func (rs *Resender) Up(baseURL string) {
	u := &rs.ups
	u.mu.Lock()
	u.seq++
	if u.up == nil {
		u.up = map[string]uint64{}
	}
	u.up[baseURL] = u.seq
	wake, waiting := u.wakeChan(), u.waiting
	u.mu.Unlock()
	if !waiting {
		return // nothing pending: the next pass acts on it, if a body comes
	}
	select {
	case wake <- struct{}{}:
	default:
	}
}

// setWaiting notes whether bodies are left pending after a pass.
func (rs *Resender) setWaiting(waiting bool) {
	rs.ups.mu.Lock()
	rs.ups.waiting = waiting
	rs.ups.mu.Unlock()
}

// wakeChan is the channel Up wakes Run with; u.mu is held.
func (u *upState) wakeChan() chan struct{} {
	if u.wake == nil {
		u.wake = make(chan struct{}, 1)
	}
	return u.wake
}

// upWake returns the channel Up wakes Run with.
func (rs *Resender) upWake() <-chan struct{} {
	rs.ups.mu.Lock()
	defer rs.ups.mu.Unlock()
	return rs.ups.wakeChan()
}

// upSince returns, as a pass starts, the successes told since the last
// pass started (base URL → stamp), nil when none was.
func (rs *Resender) upSince() map[string]uint64 {
	u := &rs.ups
	u.mu.Lock()
	defer u.mu.Unlock()
	var fresh map[string]uint64
	for base, at := range u.up {
		if at > u.seen {
			if fresh == nil {
				fresh = map[string]uint64{}
			}
			fresh[base] = at
		}
	}
	u.seen = u.seq
	return fresh
}

// stamp returns a new stamp.
func (u *upState) stamp() uint64 {
	u.mu.Lock()
	defer u.mu.Unlock()
	u.seq++
	return u.seq
}

// early reports whether pass p sends r whatever its next attempt: a
// success of its backend was told or met since the last pass started,
// none of the backend's attempts failed since, and r's last failure was
// the backend's, not its own (see unreachable).
func (rs *Resender) early(p *passState, r Record) bool {
	if !unreachable(r.LastStatus) {
		return false
	}
	baseURL := r.BaseURL
	at := max(p.up[baseURL], p.up[""])
	if at == 0 {
		return false
	}
	rs.ups.mu.Lock()
	defer rs.ups.mu.Unlock()
	return at > rs.ups.failed[baseURL]
}

// unreachable reports whether a body's last answer, status (0: none),
// says its backend was out of reach rather than refusing the body
// itself: no answer, or a 502, 503 or 504 (a proxy in front of a backend
// down). A body the backend answered otherwise (a 500 for its payload, a
// 429 asking to wait) keeps its schedule: sent early after each success,
// a body the backend always refuses would be tried at every delivery.
func unreachable(status int) bool {
	return status == 0 || status == http.StatusBadGateway || status == http.StatusServiceUnavailable ||
		status == http.StatusGatewayTimeout
}

// deliveredTo notes, in pass p, that a body was delivered to baseURL: the
// bodies after it follow at once.
func (rs *Resender) deliveredTo(p *passState, baseURL string) {
	if p.up == nil {
		p.up = map[string]uint64{}
	}
	p.up[baseURL] = rs.ups.stamp()
}

// failedAt notes an attempt to baseURL that failed: the successes told
// before it no longer send its bodies early.
func (rs *Resender) failedAt(baseURL string) {
	u := &rs.ups
	u.mu.Lock()
	defer u.mu.Unlock()
	u.seq++
	if u.failed == nil {
		u.failed = map[string]uint64{}
	}
	u.failed[baseURL] = u.seq
}
