package openaev

import (
	"errors"
	"net"
	"sync"

	"go.uber.org/zap"

	"github.com/injectkit/injectkit/internal/httpx"
)

// WithUnreachableOnce makes the client, once a request of its has used
// all its attempts without reaching the platform (each failed to connect:
// connection refused, no route, a name that does not resolve), send each
// request after it once, without retries, until one reaches the platform
// again: a run against a platform that is down pays one retry budget, not
// one a request (the version, the inject's status, the reception: 21 s
// with the default retries). A platform that answers, even 503 or 429,
// is not unreachable: its requests keep their retries. One WARN line says
// so when it starts. run sets it; serve, which outlives an outage, does
// not.
func WithUnreachableOnce() Option {
	return func(c *Client) { c.down = &unreachable{} }
}

// unreachable is WithUnreachableOnce's state: whether the platform was
// found unreachable, and whether that was said.
type unreachable struct {
	mu   sync.Mutex
	down bool
	said bool
}

// attempts is the number of attempts a request gets: 1 while the
// platform is found unreachable, else n.
func (u *unreachable) attempts(n int) int {
	if u == nil {
		return n
	}
	u.mu.Lock()
	defer u.mu.Unlock()
	if u.down {
		return 1
	}
	return n
}

// after records how a request of op that had n attempts ended: err nil or
// an answer of the platform (any status) clears the state; a failure to
// connect on every one of more than one attempt sets it, logged once.
func (u *unreachable) after(log *zap.Logger, op string, n int, err error) {
	if u == nil {
		return
	}
	var he *httpx.HTTPError
	noConnection := errors.As(err, &he) && he.Status == 0 && notConnected(he.Err)
	u.mu.Lock()
	defer u.mu.Unlock()
	switch {
	case err == nil, he != nil && !noConnection:
		u.down = false
	case noConnection && n > 1 && he.Attempts == n:
		u.down = true
		if !u.said {
			u.said = true
			log.Warn("the platform is unreachable: the requests that follow are sent once each, without retries, "+
				"until one reaches it", zap.String("op", op), zap.Int("attempts", n), zap.Error(he.Err))
		}
	}
}

// notConnected reports an error of a connection never made: the dial
// failed (refused, no route, a name not resolved, its timeout), so the
// request was not sent.
func notConnected(err error) bool {
	var oe *net.OpError
	if errors.As(err, &oe) && oe.Op == "dial" {
		return true
	}
	var de *net.DNSError
	return errors.As(err, &de)
}
