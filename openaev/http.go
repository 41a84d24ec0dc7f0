package openaev

import (
	"context"
	"errors"
	"io"
	"net/http"

	"go.uber.org/zap"

	"github.com/injectkit/injectkit/internal/httpx"
	"github.com/injectkit/injectkit/signatures"
)

// ValidationError reports a bad configuration value; it is the signatures
// package's type so that one errors.As catches bad input anywhere.
type ValidationError = signatures.ValidationError

// request is one platform call.
type request struct {
	op     string // for logs and errors
	method string // default POST
	path   string // relative to the API prefix, e.g. /injects/…
	// root makes path relative to {url}/api whatever the tenant (the
	// settings routes).
	root bool
	// quiet is kept for its callers: no request logs its final failure
	// any more, it is returned (the caller reports it once).
	quiet       bool
	contentType string
	body        []byte
	injectID    string // for logs
	// retryConflict retries a 409 ("not PENDING yet") like a 5xx.
	retryConflict bool
	// retrying is called with each failure another attempt follows (see
	// httpx.Request.Retrying).
	retrying func(error)
	// before is called before each attempt (see httpx.Request.Before).
	before func(ctx context.Context, n, unanswered int) error
	// rewrite rebuilds the body before each attempt (see
	// httpx.Request.Rewrite).
	rewrite func(ctx context.Context, n, unanswered int, body []byte) ([]byte, error)
	// unanswered is called when an attempt got no answer once sent (see
	// httpx.Request.Unanswered).
	unanswered func(n int)
	// statusOnly: the reply body is not read (see httpx.Request.StatusOnly),
	// but by decode when set, whose error changes nothing.
	statusOnly bool
	// decode reads the body of a 2xx answer as it arrives (see
	// httpx.Request.Decode); do then returns no body.
	decode func(status int, body io.Reader) error
	// once sends r one time, without retries (and so without their WARN
	// lines): a read whose failure changes nothing.
	once bool
	// lost, when set, has the attempts of r that got no answer added to
	// it (httpx.Reply.Unanswered, HTTPError.Unanswered once they ran out).
	lost *int
}

// getOnce sends GET path once, not retried (op names it in errors and
// logs), and returns the reply body; a 404, the platform holding nothing
// at path, is found false with no error. A dry run sends nothing:
// ErrDryRun.
func (c *Client) getOnce(ctx context.Context, op, path string) (reply []byte, found bool, err error) {
	if c.dry != nil {
		return nil, false, ErrDryRun
	}
	reply, err = c.do(ctx, request{op: op, method: http.MethodGet, once: true, path: path})
	var ae *APIError
	if errors.As(err, &ae) && ae.Status == http.StatusNotFound {
		return nil, false, nil
	}
	return reply, err == nil, err
}

// do sends r with retries (see httpx.Poster) and returns the reply body of
// a 2xx answer. A 5xx (but 501 and 505), 408 or 429 status, a network error or a timeout is
// retried after waits doubling from the initial delay, or what a
// Retry-After header on a 429 or 503 asks for (at most 30 s); a 409 too
// when r.retryConflict. Any other status, or a certificate refused, fails
// at once. Each retry is logged at WARN; the final failure is returned as
// an *APIError and not logged. Cancelling ctx stops at once and returns ctx.Err().
func (c *Client) do(ctx context.Context, r request) ([]byte, error) {
	if c.dry != nil {
		return nil, c.printDry(c.apiPath+r.path, r.body)
	}
	if c.echo != nil && ctx.Value(callbackKey{}) != nil {
		r = c.echoed(r)
	}
	url := c.base + r.path
	if r.root {
		url = c.root + r.path
	}
	accept := "application/json"
	if r.method == http.MethodGet {
		// The version route answers whatever type this asks first, the
		// version unquoted: application/json here (openaevtest's rule 1);
		// the others keep any GET from a 406.
		accept = "application/json, text/plain;q=0.9, */*;q=0.8"
	}
	h := http.Header{"Accept": {accept}, "User-Agent": {c.userAgent}}
	if c.cfg.Token != "" {
		h.Set("Authorization", "Bearer "+c.cfg.Token)
	}
	if r.contentType != "" {
		h.Set("Content-Type", r.contentType)
	}
	var fields []zap.Field
	if r.injectID != "" {
		fields = []zap.Field{injectField(ctx, r.injectID)}
	}
	if ctx.Value(callbackKey{}) == nil {
		// Not a callback (a status read, a findings search made while a
		// stored body is posted): it sends no body of the outbox, whose
		// note of the body's last request it must not move (see
		// outbox.InterruptedAt).
		ctx = httpx.WithSending(ctx, nil)
	}
	p := c.poster()
	p.Attempts = c.down.attempts(p.Attempts)
	if r.once {
		p.Attempts = 1
	}
	if r.retryConflict {
		p.Retryable = retryConflict
	}
	var retrying func(*httpx.HTTPError)
	if r.retrying != nil {
		retrying = func(he *httpx.HTTPError) { r.retrying(apiError(r.op, url, he)) }
	}
	rep, err := p.Do(ctx, httpx.Request{Op: r.op, Method: r.method, URL: url, Header: h, Body: r.body, Fields: fields,
		Before: r.before, Rewrite: r.rewrite, Unanswered: r.unanswered, StatusOnly: r.statusOnly, Decode: r.decode,
		Retrying: retrying})
	c.down.after(c.log, r.op, p.Attempts, err)
	if err == nil {
		if r.lost != nil {
			*r.lost += rep.Unanswered
		}
		return rep.Body, nil
	}
	var he *httpx.HTTPError
	if r.lost != nil && errors.As(err, &he) {
		*r.lost += he.Unanswered
	}
	var own *APIError
	var later *httpx.NotYetError
	if !errors.As(err, &he) || errors.As(err, &own) || errors.As(err, &later) {
		// ctx ended, or r.before or r.rewrite ended the attempts with
		// their own error (a request of theirs that failed: its own
		// *APIError; not yet, no attempt left: the reason, and the
		// request's last failure in it).
		return nil, err
	}
	// Only a refusal the platform will repeat (httpx's PermanentStatus) is
	// permanent; a certificate refused, a redirect, a 409 are not retried
	// now but worth a later try (a CA file fixed, a certificate rotated).
	ae := apiError(r.op, url, he)
	ae.late = httpx.LateReason(err, "the platform") // the wait asked, once, after the status
	return nil, ae
}

// apiError is the *APIError of request op to url that failed with he.
func apiError(op, url string, he *httpx.HTTPError) *APIError {
	return &APIError{Op: op, Path: url, Status: he.Status, Body: he.Body, Attempts: he.Attempts, Err: he.Err,
		permanent: he.Permanent(), cause: he}
}

// poster returns the retrying poster of the client's settings.
func (c *Client) poster() httpx.Poster {
	p := httpx.Poster{Client: c.hc, Attempts: c.attempts, Backoff: httpx.Exponential(c.delay, 0),
		Timeout: c.timeout, Log: c.log}
	if c.cfg.Token != "" {
		p.Secrets = []string{c.cfg.Token}
	}
	return p
}

// retryConflict retries what httpx retries and a 409.
func retryConflict(status int, op string) bool {
	return status == http.StatusConflict || httpx.RetryableStatus(status, op)
}
