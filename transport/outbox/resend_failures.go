package outbox

import (
	"errors"
	"io"
	"net"
	"net/http"
	"os"
	"syscall"

	"github.com/injectkit/injectkit/internal/httpx"
	"github.com/injectkit/injectkit/transport"
)

// How a pass reads a failed send: the backend unreachable, asking to
// wait, or moved for good, each of which holds its other bodies back.

// holdsBack reports whether err is the backend's last answer telling
// the next requests to keep off: a 429 or 503 (asked to wait) or a 301 or
// 308 (moved for good).
func holdsBack(err error) bool {
	var he *httpx.HTTPError
	if !errors.As(err, &he) {
		return false
	}
	return he.Status == http.StatusTooManyRequests || he.Status == http.StatusServiceUnavailable ||
		httpx.PermanentRedirect(he.Status)
}

// asksToWait reports whether err is a 429 or 503: the backend asking to
// wait, perhaps for the one body alone.
func asksToWait(err error) bool {
	var he *httpx.HTTPError
	return errors.As(err, &he) && askedToWait(he.Status)
}

// askedToWait reports whether status is a 429 or 503.
func askedToWait(status int) bool {
	return status == http.StatusTooManyRequests || status == http.StatusServiceUnavailable
}

// connectionFailure reports whether err is a failure to reach the backend
// at all, which the next bodies for the same backend would meet too: a
// connection refused, reset or cut before the answer, a timeout, no route,
// a name not resolved. An HTTP status is the backend answering, and a
// request that cannot be built is the body's own fault: neither is one.
func connectionFailure(err error) bool {
	var te *transport.TransmissionError
	if err == nil || errors.As(err, &te) && te.Status != 0 {
		return false
	}
	var ne net.Error
	var oe *net.OpError
	var de *net.DNSError
	switch {
	case errors.As(err, &ne) && ne.Timeout(),
		errors.Is(err, os.ErrDeadlineExceeded),
		errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF),
		errors.As(err, &de),
		errors.As(err, &oe):
		return true
	}
	for _, errno := range []syscall.Errno{syscall.ECONNREFUSED, syscall.ECONNRESET, syscall.ECONNABORTED,
		syscall.EPIPE, syscall.ETIMEDOUT, syscall.EHOSTUNREACH, syscall.ENETUNREACH, syscall.ENETDOWN} {
		if errors.Is(err, errno) {
			return true
		}
	}
	return false
}
