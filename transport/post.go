package transport

import (
	"context"
	"errors"
	"net/http"

	"go.uber.org/zap"

	"github.com/injectkit/injectkit/internal/httpx"
)

// PostBody posts one body, as Encoding.Bodies yields it, for chunk
// chunkIndex of an inject's callback. A 2xx status is success. A 5xx (but
// 501 and 505), 408 or 429 status, a connection error or a timeout is retried after waits
// doubling from the initial delay; a Retry-After header on a 429 or 503
// replaces the wait, capped at 30 s (one asking for no wait, 0 or a date
// past, leaves it: never a retry at once). Each retry is logged at WARN; the
// final failure is not logged but returned: a *TransmissionError, at once
// for any other status or a TLS certificate the client refuses, or once
// the retries are exhausted. Cancelling ctx stops at once, during a
// request or a wait, and returns ctx.Err().
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

// post posts one body and returns the number of requests made.
func (c *Client) post(ctx context.Context, injectID, key string, chunkIndex int, body []byte) (int, error) {
	if err := checkInjectID(injectID); err != nil {
		return 0, err
	}
	fields := []zap.Field{zap.String("inject_id", injectID), zap.Int("chunk_index", chunkIndex), zap.String("idempotency_key", key)}
	rep, err := c.poster.Do(ctx, httpx.Request{Op: "callback", URL: c.callbackURL(injectID),
		Header: c.headers(key, chunkIndex, body), Body: body, Fields: fields, StatusOnly: true})
	if err == nil {
		c.log.Debug("callback delivered", append(fields, zap.Int("attempts", rep.Attempts), zap.Int("bytes", len(body)))...)
		return rep.Attempts, nil
	}
	var he *httpx.HTTPError
	if !errors.As(err, &he) {
		return rep.Attempts, err // ctx ended
	}
	return rep.Attempts, transmissionError(err, he, chunkIndex)
}

// headers returns the headers of a callback POST.
func (c *Client) headers(key string, chunkIndex int, body []byte) http.Header {
	h := http.Header{}
	h.Set(IdempotencyHeader, key)
	if c.header != nil {
		// The hook's headers replace the defaults of the same name.
		for k, vs := range c.header(chunkIndex, body) {
			h.Del(k)
			for _, v := range vs {
				h.Add(k, v)
			}
		}
	}
	if c.token != "" {
		h.Set("Authorization", "Bearer "+c.token)
	} else {
		h.Del("Authorization")
	}
	h.Set("Content-Type", "application/json")
	h.Set("User-Agent", c.userAgent)
	return h
}
