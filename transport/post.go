package transport

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	retry "github.com/avast/retry-go/v4"
	"go.uber.org/zap"
)

// maxErrorBody is the most of a response body a TransmissionError keeps.
const maxErrorBody = 4 << 10

// attemptError is the outcome of one failed request.
type attemptError struct {
	status     int
	body       string
	err        error
	retry      bool
	retryAfter time.Duration // from a Retry-After header, when hasAfter
	hasAfter   bool
}

func (e *attemptError) Error() string {
	if e.err != nil {
		return e.err.Error()
	}
	return "status " + strconv.Itoa(e.status)
}

// PostBody posts one body, as produced by Bodies, for chunk chunkIndex of an
// inject's callback. A 2xx status is success. A 5xx, 408 or 429 status, a
// connection error or a timeout is retried after waits doubling from the
// initial delay; a Retry-After header on a 429 or 503 replaces the wait,
// capped by the maximum Retry-After. Each retry is logged at WARN. Any other
// status fails at once with a *TransmissionError logged at ERROR; so do
// exhausted retries. A TLS certificate the client refuses fails at once
// too. Cancelling ctx stops at once, during a request or a wait, and returns
// ctx.Err(). The header hook, if any, is called before each request.
//
// Every request carries the header Idempotency-Key: IdempotencyKey of the
// inject id, the phase the body names, chunkIndex and the body; the same on
// every retry and every later resend of the same body.
func (c *Client) PostBody(ctx context.Context, injectID string, chunkIndex int, body []byte) error {
	_, err := c.post(ctx, injectID, IdempotencyKey(injectID, bodyPhase(body), chunkIndex, body), chunkIndex, body)
	return err
}

// PostKeyed is PostBody for a body whose Idempotency-Key is already known
// (an outbox records it with the body), so that it is not hashed again.
func (c *Client) PostKeyed(ctx context.Context, injectID, key string, chunkIndex int, body []byte) error {
	_, err := c.post(ctx, injectID, key, chunkIndex, body)
	return err
}

func (c *Client) post(ctx context.Context, injectID, key string, chunkIndex int, body []byte) (int, error) {
	if err := checkInjectID(injectID); err != nil {
		return 0, err
	}
	url := c.callbackURL(injectID)
	log := c.log.With(zap.String("inject_id", injectID), zap.Int("chunk_index", chunkIndex), zap.String("idempotency_key", key))
	attempts := 0
	err := retry.Do(
		func() error {
			attempts++
			return c.attempt(ctx, url, key, chunkIndex, body)
		},
		retry.Context(ctx),
		retry.Attempts(uint(c.attempts)),
		retry.LastErrorOnly(true),
		retry.DelayType(func(n uint, err error, _ *retry.Config) time.Duration { return c.wait(n, err) }),
		retry.RetryIf(func(err error) bool {
			var ae *attemptError
			return errors.As(err, &ae) && ae.retry
		}),
		retry.OnRetry(func(n uint, err error) {
			if int(n)+1 >= c.attempts {
				return // the last attempt: no retry follows
			}
			var ae *attemptError
			if !errors.As(err, &ae) || !ae.retry {
				return
			}
			fields := []zap.Field{zap.Int("attempt", int(n)+1), zap.Int("status", ae.status), zap.Duration("wait", c.wait(n+1, err))}
			if ae.err != nil {
				fields = append(fields, zap.String("error", c.redact(ae.err.Error())))
			}
			log.Warn("callback attempt failed, retrying", fields...)
		}),
	)
	if err == nil {
		log.Debug("callback delivered", zap.Int("attempts", attempts), zap.Int("bytes", len(body)))
		return attempts, nil
	}
	if ctx.Err() != nil {
		return attempts, ctx.Err()
	}
	var ae *attemptError
	if !errors.As(err, &ae) {
		return attempts, err
	}
	te := &TransmissionError{Status: ae.status, Body: ae.body, Err: ae.err, Chunk: chunkIndex, Total: 1, Attempts: attempts}
	switch {
	case ae.retry:
		te.kind = failExhausted
	case permanentStatus(ae.status):
		te.kind = failPermanent
	default:
		te.kind = failOther
	}
	fields := []zap.Field{zap.Int("status", ae.status), zap.Int("attempts", attempts)}
	if ae.body != "" {
		fields = append(fields, zap.String("body", ae.body))
	}
	if ae.err != nil {
		fields = append(fields, zap.String("error", c.redact(ae.err.Error())))
	}
	log.Error("callback failed", fields...)
	return attempts, te
}

// wait returns the wait before retry n (1 for the first retry).
func (c *Client) wait(n uint, err error) time.Duration {
	var ae *attemptError
	if errors.As(err, &ae) && ae.hasAfter {
		return min(ae.retryAfter, c.maxRetryAfter)
	}
	d := c.delay
	for i := uint(1); i < n; i++ {
		if d > math.MaxInt64/2 {
			return math.MaxInt64 // saturate rather than overflow
		}
		d *= 2
	}
	return d
}

// attempt makes one request. It returns nil on a 2xx status and an
// *attemptError otherwise.
func (c *Client) attempt(ctx context.Context, url, key string, chunkIndex int, body []byte) error {
	actx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(actx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return &attemptError{err: fmt.Errorf("build request: %w", err)}
	}
	req.Header.Set(IdempotencyHeader, key)
	if c.header != nil {
		// The hook's headers replace the defaults of the same name.
		for k, vs := range c.header(chunkIndex, body) {
			req.Header.Del(k)
			for _, v := range vs {
				req.Header.Add(k, v)
			}
		}
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	} else {
		req.Header.Del("Authorization")
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", c.userAgent)

	resp, err := c.hc.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return &attemptError{err: ctx.Err()}
		}
		// A certificate the client refuses now will be refused on the next
		// try too: fail at once, though not permanently (a CA file can be
		// fixed before a later send).
		var cv *tls.CertificateVerificationError
		return &attemptError{err: err, retry: !errors.As(err, &cv)}
	}
	defer resp.Body.Close()
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
		return nil
	}
	ae := &attemptError{status: resp.StatusCode, body: c.readErrorBody(resp.Body), retry: retryableStatus(resp.StatusCode)}
	if resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode == http.StatusServiceUnavailable {
		ae.retryAfter, ae.hasAfter = parseRetryAfter(resp.Header.Get("Retry-After"), time.Now())
	}
	return ae
}

func (c *Client) readErrorBody(r io.Reader) string { return ReadErrorBody(r, c.token) }

// ReadErrorBody returns the start of an error response body for an error
// message or a log line: at most 4 KiB cut on a rune boundary, with secret
// (a bearer token a backend may echo) replaced by [REDACTED]. It drains a
// little more of r so that the connection can be reused.
func ReadErrorBody(r io.Reader, secret string) string {
	// Read past the cut by the secret's length so that a secret across the
	// cut is still redacted.
	b, _ := io.ReadAll(io.LimitReader(r, int64(maxErrorBody+len(secret))))
	_, _ = io.Copy(io.Discard, io.LimitReader(r, 64<<10))
	s := string(b)
	if secret != "" {
		s = strings.ReplaceAll(s, secret, "[REDACTED]")
	}
	if len(s) > maxErrorBody {
		s = s[:maxErrorBody]
		// Drop a rune the cut split in two.
		for i := 0; i < utf8.UTFMax-1 && len(s) > 0; i++ {
			if r, size := utf8.DecodeLastRuneInString(s); r != utf8.RuneError || size != 1 {
				break
			}
			s = s[:len(s)-1]
		}
	}
	return s
}

// parseRetryAfter parses a Retry-After value: seconds or an HTTP date.
func parseRetryAfter(v string, now time.Time) (time.Duration, bool) {
	if v == "" {
		return 0, false
	}
	if secs, err := strconv.Atoi(v); err == nil {
		if secs < 0 {
			return 0, false
		}
		return time.Duration(min(secs, 1<<20)) * time.Second, true
	}
	if t, err := http.ParseTime(v); err == nil {
		return max(t.Sub(now), 0), true
	}
	return 0, false
}
