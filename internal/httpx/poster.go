package httpx

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"strconv"
	"sync/atomic"
	"time"

	"go.uber.org/zap"
)

// Defaults of a Poster, used for its zero fields.
const (
	DefaultAttempts      = 4                // 1 try and 3 retries
	DefaultDelay         = time.Second      // waits of 1 s, 2 s, 4 s
	DefaultMaxRetryAfter = 30 * time.Second // cap on a Retry-After wait
	DefaultTimeout       = 30 * time.Second // per attempt, reply included
	DefaultMaxReply      = 16 << 20         // bytes of a 2xx reply kept
)

// Poster sends requests with retries. Its zero fields take the defaults
// above; Client is required. A Poster is a value with no state of its own:
// it is safe for concurrent use, and a caller may copy it to change a field
// for one request.
type Poster struct {
	// Client sends each attempt (see NewClient).
	Client *http.Client
	// Attempts is the number of requests in all, the first included.
	Attempts int
	// Backoff gives the wait before a retry when the server asked for none
	// (default Exponential(DefaultDelay, 0)).
	Backoff Backoff
	// MaxRetryAfter caps the wait a Retry-After header on a 429 or 503 can
	// ask for; a Retry-After on another status is ignored.
	MaxRetryAfter time.Duration
	// MinWait is the least wait before a retry, whatever the Backoff or a
	// Retry-After header says: a server
	// allowing a client one request an interval gets no retry sooner.
	MinWait time.Duration
	// Timeout bounds each attempt, the reading of the reply included.
	Timeout time.Duration
	// Retryable reports whether a failed attempt is worth another one:
	// status is the HTTP status, 0 when the attempt got no response
	// (network error, timeout, unreadable reply), and op the request's Op.
	// Default RetryableStatus. A 2xx is success; a TLS certificate the
	// client refuses is never retried, whatever the predicate says.
	Retryable func(status int, op string) bool
	// Secrets are redacted, in every form Redact knows, from the bodies,
	// errors and log lines the Poster produces.
	Secrets []string
	// MaxReply bounds the body of a 2xx reply; a longer one fails the
	// request, without a retry.
	MaxReply int64
	// Log receives one WARN line per retry (default: none).
	Log *zap.Logger
	// Timer makes the waits (default: real time).
	Timer Timer
}

// Reply is a 2xx answer.
type Reply struct {
	Status int
	Header http.Header
	Body   []byte
	// Attempts is the number of requests made. Do sets it on error too.
	Attempts int
	// Unanswered counts the attempts before the 2xx that got no answer
	// once the request may have reached the server (a connection cut, a
	// timeout, once connected; a gateway's 502 or 504, Envoy's 503 after
	// the server reset the connection, see GatewayNoAnswer; not an attempt
	// that never got a connection: a dial refused or timed out, a TLS
	// handshake or a proxy's CONNECT that failed; nor one answered with
	// another status, another 503): the server may have taken the request
	// that many times besides.
	Unanswered int
}

// Do sends r until a 2xx answer, a failure Retryable rejects, or the
// attempts run out, and returns the 2xx answer. Between attempts it waits
// the Backoff, or what a Retry-After header on a 429 or 503 asks for,
// capped by MaxRetryAfter (with a ctx of WithLongWaitEnds, one asking
// more ends the attempts instead; one whose wait reaches ctx's deadline
// ends them too, a *LateRetryError); it logs each retry at WARN and never the final
// failure, which it returns as an *HTTPError (or, for an answer Request.Decode
// refuses, Decode's error as it is). Cancelling ctx stops at once,
// during a request or a wait, and returns ctx.Err(), or, once a request
// was made, an *InterruptedError (errors.Is ctx.Err()) counting them,
// holding the last failure and saying whether a request was in flight,
// also when Before or Rewrite returns ctx's end (a request of theirs cut
// short). Before each request it calls ctx's Sending hook, if any (see
// WithSending).
func (p *Poster) Do(ctx context.Context, r Request) (Reply, error) {
	if p.Client == nil {
		return Reply{}, errors.New("httpx: a Poster needs a Client")
	}
	attempts := p.Attempts
	if attempts < 1 {
		attempts = DefaultAttempts
	}
	// A plain loop rather than retry-go: injectors (query) use this poster,
	// and their dependency graph stays free of retry libraries.
	var (
		rep     Reply
		n       int // the attempt, made or held back (NotYetError)
		sent    int // the requests made: every Attempts Do reports
		err     error
		last    *HTTPError // the last attempt that failed on its own
		lost    int        // attempts that got no answer (Reply.Unanswered)
		waiting bool       // ctx ended a wait between two attempts
		resume  time.Time  // when the next attempt was due then
		hooks   = sendingOf(ctx)
		sending = hooks.sending
	)
	for n < attempts {
		if ctx.Err() != nil {
			// Ended before this attempt: it is not made (a request
			// started would count, the backend may receive it).
			err, waiting = ctx.Err(), n > 0
			break
		}
		if r.Before != nil {
			berr := r.Before(ctx, n+1, lost)
			if berr != nil && p.notYet(ctx, berr, &n, attempts, &resume) {
				continue
			}
			if berr != nil {
				return Reply{Attempts: sent}, p.ended(ctx, sent, last, resume, spent(berr, last))
			}
		}
		if r.Rewrite != nil {
			b, rerr := r.Rewrite(ctx, n+1, lost, r.Body)
			if rerr != nil {
				return Reply{Attempts: sent}, p.ended(ctx, sent, last, resume, rerr)
			}
			r.Body = b
		}
		if sending != nil {
			if serr := sending(); serr != nil {
				return Reply{Attempts: sent}, unsent(serr, last)
			}
		}
		n, sent = n+1, sent+1
		rep, err = p.attempt(ctx, &r)
		if err == nil {
			break
		}
		var f *failure
		if errors.As(err, &f) && !f.cut {
			if f.unanswered {
				lost++
				if r.Unanswered != nil {
					r.Unanswered(n)
				}
			}
			last = f.httpError(r.Op, sent, lost)
		} else if f != nil && f.unanswered && r.Unanswered != nil {
			// Cut short by ctx once connected: the server may have
			// taken it all the same.
			r.Unanswered(n)
		}
		if ctx.Err() != nil {
			if f != nil && !f.cut {
				// The attempt ended on its own (an answer, a 503 say),
				// ctx right after: no request in flight, as in a wait,
				// the next one due when the wait would have ended.
				waiting = true
				if f.retry && n < attempts {
					resume = time.Now().Add(p.wait(n, f))
				}
			}
			break
		}
		if f == nil || !f.retry || n >= attempts || p.longWaitEnds(ctx, f) {
			break
		}
		wait := p.wait(n, f)
		if lerr := late(ctx, r.Op, f, wait, sent, lost); lerr != nil {
			return Reply{Attempts: sent}, lerr
		}
		if hooks.answered != nil && f.status >= 300 && !f.unanswered {
			// A retryable answer of the server's (or a proxy's that
			// never forwarded it): the request was not taken. Noted
			// before the WARN line that says it, which a caller may wait
			// for.
			hooks.answered(f.status)
		}
		p.logRetry(&r, n, attempts, f, wait)
		if r.Retrying != nil {
			r.Retrying(f.httpError(r.Op, sent, lost))
		}
		resume = time.Now().Add(wait)
		select {
		case <-p.timer().After(wait):
		case <-ctx.Done():
		}
		if ctx.Err() != nil {
			waiting = true
			break
		}
	}
	rep.Attempts = sent
	if err == nil {
		rep.Unanswered = lost
		return rep, nil
	}
	if ctx.Err() != nil {
		if sent > 0 {
			var f *failure
			connected := !waiting && (!errors.As(err, &f) || f.unanswered)
			return Reply{Attempts: sent}, &InterruptedError{Err: ctx.Err(), Last: last, Attempts: sent, Waiting: waiting, Resume: resume,
				Connected: connected}
		}
		return Reply{Attempts: sent}, ctx.Err()
	}
	var f *failure
	if !errors.As(err, &f) {
		return Reply{Attempts: sent}, err
	}
	return Reply{Attempts: sent}, f.httpError(r.Op, sent, lost)
}

// ended is Do's error when Request.Before or Request.Rewrite ended the
// attempts with err after n requests: err as it is, unless it is ctx's end
// (a request of theirs cut short by it): then, as for an end during a
// wait, an *InterruptedError counting this request's attempts and holding
// its last failure, not theirs: between two attempts, none of this
// request in flight, the next due at resume; before the first request,
// ctx's error, as for an end before any (their request's attempts and
// failure are not this request's).
func (p *Poster) ended(ctx context.Context, n int, last *HTTPError, resume time.Time, err error) error {
	if ctx.Err() == nil || !errors.Is(err, ctx.Err()) {
		return err
	}
	if n == 0 {
		return ctx.Err()
	}
	return &InterruptedError{Err: ctx.Err(), Last: last, Attempts: n, Waiting: true, Resume: resume}
}

// attempt makes one request. It returns the reply of a 2xx answer and a
// *failure otherwise.
func (p *Poster) attempt(ctx context.Context, r *Request) (Reply, error) {
	timeout := p.Timeout
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	actx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	// Whether the attempt got a connection to send the request on: one
	// that failed before (a dial refused or timed out, a TLS handshake or
	// a proxy's CONNECT that failed, ctx ending meanwhile) never sent the
	// request, and the server cannot have received it.
	var connected atomic.Bool
	actx = httptrace.WithClientTrace(actx, &httptrace.ClientTrace{GotConn: func(httptrace.GotConnInfo) { connected.Store(true) }})
	method := r.Method
	if method == "" {
		method = http.MethodPost
	}
	req, err := http.NewRequestWithContext(actx, method, r.URL, nil)
	if err != nil {
		return Reply{}, &failure{err: hide(fmt.Errorf("build request: %w", err), r.shown(), p.Secrets)}
	}
	var held heldBodies
	defer held.release() // after the answer's body is closed: see heldBodies
	if body := r.Body; body != nil {
		req.Body, req.ContentLength = held.body(body), int64(len(body))
		req.GetBody = func() (io.ReadCloser, error) { return held.body(body), nil }
	}
	for k, vs := range r.Header {
		req.Header[k] = vs
	}
	secrets := p.secretsOf(req)
	resp, err := p.Client.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return Reply{}, &failure{err: ctx.Err(), cut: true, unanswered: connected.Load()}
		}
		if pc := (*ProxyConnectError)(nil); errors.As(err, &pc) {
			// A proxy refusing its CONNECT's credentials: a 407, as for http.
			return Reply{}, &failure{status: pc.Status, retry: p.retryable(pc.Status, r.Op)}
		}
		err = unparsedLocation(p.noAnswer(err, actx.Err()), NewRedactor(secrets...))
		// A certificate refused now is refused on the next try too: fail at
		// once, though not permanently (a CA file can be fixed).
		var cv *tls.CertificateVerificationError
		return Reply{}, &failure{err: hide(err, r.shown(), secrets), retry: !errors.As(err, &cv) && p.retryable(0, r.Op),
			unanswered: connected.Load()}
	}
	defer resp.Body.Close()
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		return p.reply(ctx, r, resp)
	}
	f := &failure{status: resp.StatusCode, body: ReadErrorBody(resp.Body, secrets...), retry: p.retryable(resp.StatusCode, r.Op)}
	f.unanswered = GatewayNoAnswer(f.status, f.body)
	if resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode == http.StatusServiceUnavailable {
		f.after, f.hasAfter = ParseRetryAfter(resp.Header.Get("Retry-After"), time.Now())
	}
	if Redirection(resp.StatusCode) {
		if loc, err := resp.Location(); err == nil {
			f.location = NewRedactor(secrets...).ServerText(StripCredentials(loc.String()))
		}
	}
	return Reply{}, f
}

func (p *Poster) retryable(status int, op string) bool {
	if p.Retryable != nil {
		return p.Retryable(status, op)
	}
	return RetryableStatus(status, op)
}

func (p *Poster) logRetry(r *Request, attempt, attempts int, f *failure, wait time.Duration) {
	if p.Log == nil {
		return
	}
	fields := make([]zap.Field, 0, 6+len(r.Fields))
	// attempt a number, as in a daemon's other lines (its handlings, its
	// connections), and attempts beside it: not "1/4", one field keeping
	// one JSON type.
	fields = append(fields, zap.String("op", r.Op), zap.Int("attempt", attempt), zap.Int("attempts", attempts))
	if f.status > 0 {
		// http_status, not status: a daemon's other lines carry a string
		// status (an outcome, an inject's status), and a JSON log store
		// maps one field to one type. None when no response came (error
		// says why).
		fields = append(fields, zap.Int("http_status", f.status))
	}
	fields = append(fields, zap.Duration("wait", wait))
	if f.err != nil {
		fields = append(fields, zap.String("error", f.err.Error()))
	}
	if f.hasAfter && f.after != wait {
		// Capped, raised to MinWait, or no wait asked (0, a date past)
		// and the backoff step waited: the line says what the server
		// asked for, and what is waited instead.
		fields = append(fields, zap.String("retry_after", "asked "+askedWait(f.after)+", waiting "+seconds(wait)))
	}
	// WARN (issue 14 point 11): the final failure is returned, not logged.
	p.Log.Warn("request failed, retrying", append(fields, r.Fields...)...)
}

// seconds writes d as a number of seconds, as a Retry-After header does:
// "3600s", "1.5s".
func seconds(d time.Duration) string {
	return strconv.FormatFloat(d.Seconds(), 'f', -1, 64) + "s"
}

// hide returns err with the URL of any *url.Error it holds replaced by the
// shown URL and its text redacted of secrets.
func hide(err error, shown string, secrets []string) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		ue.URL = shown
	}
	return RedactError(err, secrets...)
}

// secretsOf returns what is redacted from what req's attempt produces:
// the poster's Secrets and the credentials of the proxy its client sends
// req through (HTTPS_PROXY, HTTP_PROXY with user information), which a
// proxy answering in the server's place may quote in its own error
// answer, decoded from its Proxy-Authorization header or as it came.
func (p *Poster) secretsOf(req *http.Request) []string {
	tr := Transport(p.Client)
	if tr == nil || tr.Proxy == nil {
		return p.Secrets
	}
	u, err := tr.Proxy(req)
	if err != nil || u == nil || u.User == nil {
		return p.Secrets
	}
	return append(append([]string(nil), p.Secrets...), URLSecrets(u.String())...)
}
