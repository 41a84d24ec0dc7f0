package openaev

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"

	retry "github.com/avast/retry-go/v4"
	"go.uber.org/zap"

	"github.com/injectkit/injectkit/signatures"
	"github.com/injectkit/injectkit/transport"
)

// ValidationError reports a bad configuration value; it is the signatures
// package's type so that one errors.As catches bad input anywhere.
type ValidationError = signatures.ValidationError

// maxReplyBody bounds a successful reply the client reads.
const maxReplyBody = 16 << 20

func defaultHTTPClient() *http.Client {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.Proxy = http.ProxyFromEnvironment
	tr.TLSClientConfig = &tls.Config{MinVersion: tls.VersionTLS12}
	return &http.Client{
		Transport: tr,
		// pyoaev refuses redirects on POST; so does this client, rather
		// than replay a body with the token to another place.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

// request is one platform call.
type request struct {
	op     string // for logs and errors
	method string // default POST
	path   string // relative to the API prefix, e.g. /injects/…
	// root makes path relative to {url}/api whatever the tenant (the
	// settings routes).
	root bool
	// quiet leaves the final failure to the caller to log.
	quiet       bool
	contentType string
	body        []byte
	injectID    string // for logs
	// retryConflict retries a 409 ("not PENDING yet") like a 5xx.
	retryConflict bool
}

// attemptError is the outcome of one failed attempt.
type attemptError struct {
	status int
	body   string
	err    error
	retry  bool
}

func (e *attemptError) Error() string {
	if e.err != nil {
		return e.err.Error()
	}
	return "status " + strconv.Itoa(e.status)
}

// do sends r with retries and returns the reply body of a 2xx answer. A
// 5xx, 408 or 429 status, a network error or a timeout is retried after
// waits doubling from the initial delay (and a 409 when r.retryConflict);
// any other status fails at once. Cancelling ctx stops at once and returns
// ctx.Err().
func (c *Client) do(ctx context.Context, r request) ([]byte, error) {
	if c.dry != nil {
		return nil, c.printDry(c.apiPath+r.path, r.body)
	}
	url := c.base + r.path
	if r.root {
		url = c.root + r.path
	}
	log := c.log.With(zap.String("op", r.op))
	if r.injectID != "" {
		log = log.With(zap.String("inject_id", r.injectID))
	}
	attempts := 0
	var reply []byte
	err := retry.Do(
		func() error {
			attempts++
			var err error
			reply, err = c.attempt(ctx, url, r)
			return err
		},
		retry.Context(ctx),
		retry.Attempts(uint(c.attempts)),
		retry.LastErrorOnly(true),
		retry.DelayType(func(n uint, _ error, _ *retry.Config) time.Duration { return c.wait(n) }),
		retry.RetryIf(func(err error) bool {
			var ae *attemptError
			return errors.As(err, &ae) && ae.retry
		}),
		retry.OnRetry(func(n uint, err error) {
			var ae *attemptError
			if int(n)+1 >= c.attempts || !errors.As(err, &ae) || !ae.retry {
				return
			}
			fields := []zap.Field{zap.Int("attempt", int(n)+1), zap.Int("status", ae.status), zap.Duration("wait", c.wait(n+1))}
			if ae.err != nil {
				fields = append(fields, zap.String("error", c.redact(ae.err.Error())))
			}
			log.Warn("platform request failed, retrying", fields...)
		}),
	)
	if err == nil {
		return reply, nil
	}
	if ctx.Err() != nil {
		return nil, ctx.Err()
	}
	var ae *attemptError
	if !errors.As(err, &ae) {
		return nil, err
	}
	e := &APIError{Op: r.op, Path: url, Status: ae.status, Body: ae.body, Err: ae.err,
		Attempts: attempts, permanent: !ae.retry}
	fields := []zap.Field{zap.Int("status", ae.status), zap.Int("attempts", attempts)}
	if ae.body != "" {
		fields = append(fields, zap.String("body", ae.body))
	}
	if ae.err != nil {
		fields = append(fields, zap.String("error", c.redact(ae.err.Error())))
		e.Err = redactedError{c.redact(ae.err.Error()), ae.err}
	}
	if !r.quiet {
		log.Error("platform request failed", fields...)
	}
	return nil, e
}

// redactedError is a network error whose text had the token removed.
type redactedError struct {
	msg string
	err error
}

func (e redactedError) Error() string { return e.msg }
func (e redactedError) Unwrap() error { return e.err }

// wait returns the wait before retry n (1 for the first retry).
func (c *Client) wait(n uint) time.Duration {
	if n < 1 {
		n = 1
	}
	return c.delay << min(n-1, 30)
}

// attempt makes one request and returns the body of a 2xx reply, or an
// *attemptError.
func (c *Client) attempt(ctx context.Context, url string, r request) ([]byte, error) {
	actx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	method, accept := r.method, "application/json"
	if method == "" {
		method = http.MethodPost
	}
	var body io.Reader
	if r.body != nil {
		body = bytes.NewReader(r.body)
	}
	if method == http.MethodGet {
		// The version route answers text/plain.
		accept = "application/json, text/plain;q=0.9, */*;q=0.8"
	}
	req, err := http.NewRequestWithContext(actx, method, url, body)
	if err != nil {
		return nil, &attemptError{err: fmt.Errorf("build request: %w", err)}
	}
	if c.cfg.Token != "" {
		req.Header.Set("Authorization", "Bearer "+c.cfg.Token)
	}
	if r.contentType != "" {
		req.Header.Set("Content-Type", r.contentType)
	}
	req.Header.Set("Accept", accept)
	req.Header.Set("User-Agent", c.userAgent)
	resp, err := c.hc.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return nil, &attemptError{err: ctx.Err()}
		}
		var cv *tls.CertificateVerificationError
		return nil, &attemptError{err: err, retry: !errors.As(err, &cv)}
	}
	defer resp.Body.Close()
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		b, err := io.ReadAll(io.LimitReader(resp.Body, maxReplyBody))
		if err != nil {
			return nil, &attemptError{err: fmt.Errorf("read reply: %w", err), retry: true}
		}
		return b, nil
	}
	status := resp.StatusCode
	retryable := status >= 500 || status == http.StatusRequestTimeout || status == http.StatusTooManyRequests ||
		(status == http.StatusConflict && r.retryConflict)
	return nil, &attemptError{status: status, body: c.readErrorBody(resp.Body), retry: retryable}
}

// readErrorBody returns the start of a response body, token redacted.
func (c *Client) readErrorBody(r io.Reader) string { return transport.ReadErrorBody(r, c.cfg.Token) }
