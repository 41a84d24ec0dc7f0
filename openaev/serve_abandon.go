package openaev

import (
	"sync"

	"github.com/injectkit/injectkit/serve"
	"github.com/injectkit/injectkit/transport/outbox"
)

var _ serve.Abandoner = (*Handler)(nil)

// abandon is the abort a daemon's shutdown fires when it stops waiting
// for the injects in flight (see Handler.Abandon). The zero value is
// ready; it is safe for concurrent use.
type abandon struct {
	mu    sync.Mutex
	ch    chan struct{}
	fired bool
}

// Hold returns the channel closed once the shutdown abandons the sends
// in flight (see outbox.Aborter).
func (a *abandon) Hold() (<-chan struct{}, func()) {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.channel(), func() {}
}

func (a *abandon) fire() {
	a.mu.Lock()
	defer a.mu.Unlock()
	if !a.fired {
		a.fired = true
		close(a.channel())
	}
}

// channel returns the channel closed by fire; a.mu is held.
func (a *abandon) channel() chan struct{} {
	if a.ch == nil {
		a.ch = make(chan struct{})
	}
	return a.ch
}

// Abort is the outbox.Aborter of the Handler's durable deliverer
// (outbox.Deliverer.Abort): it fires when the daemon's shutdown stops
// waiting for the injects in flight (see Abandon).
func (h *Handler) Abort() outbox.Aborter { return &h.abandon }

// Abandon cuts short the terminal callbacks in flight, sent through a
// deliverer holding Abort: each body not delivered stays pending in the
// outbox, the attempt cut short and the platform's last answer recorded
// on it, and its message is acknowledged (the result is durable), not
// returned to the queue for another daemon to run the inject again. A run
// still going stores its result without posting it once it ends. A try
// of a result held in memory (see unstored) is cut short too, the result
// dropped, saying so.
func (h *Handler) Abandon() { h.abandon.fire() }

// Kept reports whether a terminal callback of the inject body names
// waits in the outbox (this profile's: see Profile.Owns): its message is
// acknowledged by the shutdown, the result resent from the outbox.
func (h *Handler) Kept(body []byte) bool {
	id := injectIDOf(body)
	if h.cfg.Store == nil || id == "" {
		return false
	}
	found, _ := h.waiting(id) // not known to wait: the message goes back to the queue
	return found
}
