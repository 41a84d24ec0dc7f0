package httpx

// What an answer's status means to a client that follows no redirect and
// retries: a redirect, a refusal for good, a gateway's lost answer, a
// proxy's refusal, and how long a Retry-After asks to wait.

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Redirection reports whether status is a 3xx: an answer the clients of
// NewClient never follow.
func Redirection(status int) bool { return status >= 300 && status < 400 }

// PermanentRedirect reports whether status is a redirect the server says
// will last: 301 Moved Permanently or 308 Permanent Redirect. Sending the
// same request to the same URL later meets it again; the URL is at fault.
func PermanentRedirect(status int) bool {
	return status == http.StatusMovedPermanently || status == http.StatusPermanentRedirect
}

// Redirect says what a 3xx answer means to a client that follows no
// redirect: where it pointed (location, "" when the answer named none),
// that it was not followed, and that what (the URL the caller was given,
// "the backend URL (--backend-url)") is to fix. A 301 or 308 promises no
// later try; another 3xx may be gone on a later one.
func Redirect(status int, location, what string) string {
	to := "with no Location"
	if location != "" {
		to = "to " + location
	}
	if PermanentRedirect(status) {
		return fmt.Sprintf("status %d: redirected %s for good; redirects are not followed: fix %s, for example http:// to https://",
			status, to, what)
	}
	return fmt.Sprintf("status %d: redirected %s; redirects are not followed: a later try may get an answer, or fix %s",
		status, to, what)
}

// Permanent reports whether sending the same request again is pointless:
// a final status for which PermanentStatus holds.
func (e *HTTPError) Permanent() bool { return !e.Exhausted && PermanentStatus(e.Status) }

// RetryableStatus is the default Retryable predicate: a 5xx but 501 and
// 505 (see Unsupported), a 408 Request Timeout, a 429 Too Many Requests,
// or 0, no response at all (a network error or a timeout).
func RetryableStatus(status int, _ string) bool {
	return status == 0 || status >= 500 && status < 600 && !Unsupported(status) ||
		status == http.StatusRequestTimeout || status == http.StatusTooManyRequests
}

// Unsupported reports whether status is a 5xx that says the server, or a
// proxy in front of it, does not support the request at all, rather than
// fails it for now: 501 Not Implemented (the method is not supported,
// RFC 9110 15.6.2) and 505 HTTP Version Not Supported. A retry meets the
// same answer until the server changes: it is refused for good, as a 405.
func Unsupported(status int) bool {
	return status == http.StatusNotImplemented || status == http.StatusHTTPVersionNotSupported
}

// GatewayNoAnswer reports whether an answer of status with body is a
// gateway's word that the server behind it gave no answer once the
// request may have reached it: 502 Bad Gateway, 504 Gateway Timeout, or a
// 503 that Envoy (Istio's sidecars and gateways) wrote after the
// connection to the server was made and then reset before its answer
// (EnvoyReset: response flag UC, "reset reason: connection termination").
// The server may have taken the request all the same, its answer lost,
// and an attempt answered so counts as one that got no answer
// (Reply.Unanswered). Any other 503 is an answer that the request was not
// taken: the server's own, Envoy's for a request it never forwarded (no
// healthy upstream, a connection that failed or timed out, a circuit
// breaker open), another proxy's with no server to send it to.
func GatewayNoAnswer(status int, body string) bool {
	return status == http.StatusBadGateway || status == http.StatusGatewayTimeout ||
		status == http.StatusServiceUnavailable && EnvoyReset(body)
}

// envoyReset starts the body of Envoy's local reply to a request whose
// upstream failed before its answer's headers; the reason follows
// ("reset reason: connection termination", or, retried, "retried and the
// latest reset reason: remote reset", and maybe ", transport failure
// reason: ...").
const envoyReset = "upstream connect error or disconnect/reset before headers."

// envoyNeverSent are Envoy's reset reasons for a request it never sent:
// the connection to the server failed, timed out, or was not tried (a
// circuit breaker's overflow).
var envoyNeverSent = []string{"connection failure", "connection timeout", "overflow"}

// EnvoyReset reports whether body is Envoy's local reply saying the server
// reset the request after the connection to it was made (connection
// termination, remote reset, a protocol error...): the request may have
// reached the server. A reset whose reason says the connection was never
// made ("connection failure", "remote connection failure", "connection
// timeout", "overflow") does not count: nothing was sent.
func EnvoyReset(body string) bool {
	rest, ok := strings.CutPrefix(strings.TrimSpace(body), envoyReset)
	if !ok {
		return false
	}
	_, reason, ok := strings.Cut(rest, "reset reason: ")
	if !ok {
		return true // no reason given: it may have been sent
	}
	reason, _, _ = strings.Cut(reason, ",")
	reason = strings.TrimSpace(reason)
	for _, never := range envoyNeverSent {
		if strings.HasSuffix(reason, never) {
			return false
		}
	}
	return true
}

// PermanentStatus reports whether a status is a refusal the server will
// repeat: any 4xx except 407 Proxy Authentication Required (a proxy in
// between refused its own credentials, see ProxyRefused), 408 Request
// Timeout, 409 Conflict (a state that may change) and 429 Too Many
// Requests; and a 501 or 505 (see Unsupported).
func PermanentStatus(status int) bool {
	return status >= 400 && status < 500 && status != http.StatusRequestTimeout && !ProxyRefused(status) &&
		status != http.StatusConflict && status != http.StatusTooManyRequests || Unsupported(status)
}

// ProxyRefused reports whether status is 407 Proxy Authentication
// Required: a proxy in between refused the credentials of the proxy
// setting (HTTPS_PROXY, HTTP_PROXY), and the server behind it never saw
// the request. The request is fine and worth sending again once the
// setting is fixed: it is neither retried at once nor refused for good.
func ProxyRefused(status int) bool { return status == http.StatusProxyAuthRequired }

// ProxyHint is what the error of a request a proxy answered 407 says.
const ProxyHint = "the proxy refused its credentials (407 Proxy Authentication Required), the server was not reached: " +
	"fix the user information of HTTPS_PROXY or HTTP_PROXY (or https_proxy, http_proxy)"

// mostRetryAfter is the longest Retry-After ParseRetryAfter gives: 2^20
// seconds, a little more than 12 days.
const mostRetryAfter = 1 << 20 * time.Second

// ParseRetryAfter parses a Retry-After header value (RFC 9110, 10.2.3): a
// number of seconds (delay-seconds, 1*DIGIT: ASCII digits alone, no sign,
// a leading zero allowed) or an HTTP date, with optional whitespace (SP,
// HTAB, as net/http's HTTP/1 reader already trims) around it. ok is false
// for an empty or malformed value ("+5", "-1", "1.5", "5" after a vertical
// tab): the Poster waits its backoff step then. A date names a whole
// second, and the server wrote it truncated (one second ahead, sent at
// 12:00:00.8, reads 12:00:01): the time left until it is rounded up to
// whole seconds, so that it asks what the seconds form would (1s there,
// not 0.2s). A date not after now (a clock apart from ours, most likely)
// asks for no wait, as 0 does: d is 0, and the Poster waits its backoff
// step then, never a retry at once. Either form is capped at 2^20 seconds
// (about 12 days) so that the duration cannot overflow; a caller caps the
// wait further.
func ParseRetryAfter(v string, now time.Time) (d time.Duration, ok bool) {
	v = strings.Trim(v, " \t")
	if v == "" {
		return 0, false
	}
	if strings.Trim(v, "0123456789") == "" {
		const most = int64(mostRetryAfter / time.Second)
		secs, err := strconv.ParseInt(v, 10, 64)
		if err != nil || secs > most { // only digits: err is ErrRange, more seconds than an int64 holds
			return mostRetryAfter, true
		}
		return time.Duration(secs) * time.Second, true
	}
	if t, err := http.ParseTime(v); err == nil {
		return untilDate(t.Sub(now)), true
	}
	return 0, false
}

// untilDate is the wait a Retry-After date asks for when left is the time
// until it: left rounded up to whole seconds, at most mostRetryAfter, 0
// when the date is not in the future.
func untilDate(left time.Duration) time.Duration {
	if left <= 0 {
		return 0
	}
	left = min(left, mostRetryAfter)
	if whole := left.Truncate(time.Second); whole < left {
		return whole + time.Second
	}
	return left
}
