package serve

import (
	"context"
	"fmt"
	"time"
)

// Results held: the result of an inject that ran, which the platform did
// not take and nothing could store (no outbox, or one that failed to
// store it), is tried again by its handling, which keeps its worker (with
// delivery slots, its delivery slot) and its message unacknowledged (see
// openaev's unstored). No message is taken in that slot meanwhile, so no
// check of a new message starts a pause (PauseError): once every slot
// holds one, the daemon takes nothing and /healthz says so (503), as a
// readiness probe or a load balancer must see a daemon that does nothing.

// HoldingResult tells the daemon that the handling of ctx's message (a
// Handler's context, or one derived from it) holds the result of an inject
// that ran, neither delivered nor stored, and tries it again: /healthz
// counts it (Health.ResultsHeld) from now on until release is called. It
// does nothing when ctx is not a Handler's.
func HoldingResult(ctx context.Context) (release func()) {
	s, ok := ctx.Value(stageKey{}).(*staged)
	if !ok {
		return func() {}
	}
	s.j.held.Store(true)
	s.j.heldSince.Store(time.Now().UnixNano())
	return func() { s.j.heldSince.Store(0) }
}

// heldResults counts the jobs holding a result (see HoldingResult) and
// returns when the oldest began to.
func (r *runner) heldResults() (n int, since time.Time) {
	r.jobsMu.Lock()
	defer r.jobsMu.Unlock()
	for j := range r.jobs {
		ns := j.heldSince.Load()
		if ns == 0 {
			continue
		}
		n++
		if t := time.Unix(0, ns); since.IsZero() || t.Before(since) {
			since = t
		}
	}
	return n, since
}

// heldSlots is how many results may be held at once, and what holds them:
// the workers, or, with delivery slots, those (a handling that only
// delivers has moved to one: see Executed).
func (r *runner) heldSlots() (n int, kind string) {
	if r.delivery != nil {
		return cap(r.delivery), "delivery slots"
	}
	return r.workers, "workers"
}

// HeldReason is the /healthz line of n results held of slots slots of
// kind ("workers" or "delivery slots"), the oldest since since: the reason
// of a 503 once every slot holds one, the warning of a 200 otherwise. It
// names no inject, no body and no secret.
func HeldReason(n, slots int, kind string, since time.Time) string {
	s := fmt.Sprintf("results held: %d of %d %s hold the result of an inject that ran, which the platform did not take "+
		"and nothing could store (no outbox, or it failed to store it), tried again since %s", n, slots, kind,
		since.UTC().Format(time.RFC3339))
	if n >= slots {
		return s + "; no other message is taken until one is delivered or stored"
	}
	return s + "; the others take messages"
}

// heldHealth sets the results held in h, and returns their line
// (HeldReason, "" when none is held) and whether every slot holds one.
func (r *runner) heldHealth(h *Health) (line string, stuck bool) {
	n, since := r.heldResults()
	if n == 0 {
		return "", false
	}
	slots, kind := r.heldSlots()
	h.ResultsHeld = n
	h.ResultsHeldSince = since.UTC().Format(time.RFC3339)
	return HeldReason(n, slots, kind, since), n >= slots
}
