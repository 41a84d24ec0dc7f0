package serve

import "sync"

// At the shutdown timeout a message whose inject still runs is returned
// to the queue (unless its Handler keeps its result: see Abandoner), and
// the inject runs again, in full, where the message is taken: the result
// of the run here, when it ends (cut short, or late), must then be
// neither stored nor sent, or the platform gets two results for one
// inject, one of them a run that was given up. Its Handler says when the
// result's delivery begins (Executed): the shutdown's requeue and that
// call are decided here, one before the other, never both.

// fate decides, under its lock, between the Handler's Executed and the
// shutdown's requeue, which comes first.
type fate struct {
	mu         sync.Mutex
	delivering bool // Executed came first: the result is being delivered
	dropped    bool // the shutdown requeued the message first
}

// delivering reports whether the result of j's inject may be delivered
// (Executed): not once the shutdown requeued its message; from then on
// the shutdown does not drop it (see drop).
func (j *job) delivering() bool {
	j.fate.mu.Lock()
	defer j.fate.mu.Unlock()
	if !j.fate.dropped {
		j.fate.delivering = true
	}
	return j.fate.delivering
}

// drop marks the result of j's inject as dropped before the shutdown
// requeues its message, and reports whether it was, that is, whether its
// delivery had not begun (Executed): a later Executed refuses it.
func (j *job) drop() bool {
	j.fate.mu.Lock()
	defer j.fate.mu.Unlock()
	if !j.fate.delivering {
		j.fate.dropped = true
	}
	return j.fate.dropped
}

// handled starts a handling of j's message: whether its result's delivery
// began is asked of this handling alone (one run again after a transient
// failure runs its inject afresh).
func (j *job) handled() {
	j.fate.mu.Lock()
	defer j.fate.mu.Unlock()
	j.fate.delivering = false
}
