package transport

// Test helpers: the in-memory and option surface only tests use. The
// production API is Encode, Encoding.Bodies, Client.SendEncoded and
// Client.PostKeyed (see doc.go).

import (
	"bytes"
	"context"
	"fmt"
	"iter"
	"net/http"
	"slices"
	"time"

	"github.com/injectkit/injectkit/signatures"
	"github.com/injectkit/injectkit/transport/wirejson"
)

// Bodies returns the bodies SendEncoded posts for p, byte for byte, in
// order, each a slice of its own (transporttest.Bodies for other
// packages' tests).
func Bodies(injectID, phase string, p signatures.Payload, maxPayloadSize int) ([][]byte, error) {
	enc, err := Encode(injectID, phase, slices.All(p.Targets), maxPayloadSize)
	if err != nil {
		return nil, err
	}
	out := make([][]byte, 0, enc.Len())
	var failed error
	enc.ahead(false, nil, func(_ int, b []byte, _ string, err error) bool {
		if err != nil {
			failed = err
			return false
		}
		out = append(out, bytes.Clone(b))
		return true
	})
	if failed != nil {
		return nil, failed
	}
	return out, nil
}

// Bodies is Bodies with the client's maximum payload size.
func (c *Client) Bodies(injectID, phase string, p signatures.Payload) ([][]byte, error) {
	return Bodies(injectID, phase, p, c.maxPayload)
}

// Send encodes p and posts its bodies with SendEncoded.
func (c *Client) Send(ctx context.Context, injectID, phase string, p signatures.Payload) (Result, error) {
	enc, err := c.Encode(injectID, phase, slices.All(p.Targets))
	if err != nil {
		return Result{}, err
	}
	return c.SendEncoded(ctx, enc)
}

// AppendTarget validates and normalises t and appends its encoding, the
// exact bytes a body holds for it, to dst.
func AppendTarget(dst []byte, index int, t signatures.PayloadTarget) ([]byte, error) {
	n, err := normalizeTarget(index, t)
	if err != nil {
		return dst, err
	}
	out, err := wirejson.AppendTarget(dst, n)
	if err != nil {
		return dst, encodeError(index, t, err)
	}
	return out, nil
}

// Chunked reports whether the bodies carry chunk_index and total_chunks.
func (p Plan) Chunked() bool { return p.chunked }

// MaxPayloadSize returns the largest body the Chunker produces.
func (c *Chunker) MaxPayloadSize() int { return c.max }

// WithHeader sets a hook called once per body posted with its index and
// bytes; the headers it returns are added to each of its requests and
// replace the default of the same name (the Idempotency-Key). It cannot
// replace Authorization, Content-Type or User-Agent.
func WithHeader(h func(chunkIndex int, body []byte) http.Header) Option {
	return func(s *settings) { s.header = h }
}

// WithMaxRetryAfter caps the wait a Retry-After header on a 429 or 503 can
// ask for (default 30 s).
func WithMaxRetryAfter(d time.Duration) Option { return func(s *settings) { s.maxRetryAfter = d } }

// WithTimeout sets the timeout of each request (default 30 s).
func WithTimeout(d time.Duration) Option { return func(s *settings) { s.timeout = d } }

// WithCAFile adds the PEM certificates of the file path to the system roots
// the client trusts, read when New builds the client (production reads the
// file once and passes its bytes with WithCA).
func WithCAFile(path string) Option { return func(s *settings) { s.caFile = path } }

// WithHTTPClient sets the HTTP client, replacing the one New builds; it
// cannot be combined with WithCAFile or WithInsecure.
func WithHTTPClient(hc *http.Client) Option { return func(s *settings) { s.hc = hc } }

// Bodies writes the bodies of plan p from targets, the same encoded targets
// in the same order as p was planned from, yielding each body as soon as it
// is complete. Each yielded body is a new slice. If targets does not match
// the plan, the sequence ends with an error.
func (c *Chunker) Bodies(p Plan, targets iter.Seq[[]byte]) iter.Seq2[[]byte, error] {
	return func(yield func([]byte, error) bool) {
		i, k := 0, 0
		var body []byte
		for t := range targets {
			if i >= p.Chunks() {
				yield(nil, fmt.Errorf("more targets than the plan holds"))
				return
			}
			if k == 0 {
				body = c.appendPrefix(make([]byte, 0, p.sizes[i]))
			} else {
				body = append(body, ',')
			}
			body = append(body, t...)
			k++
			if k == p.counts[i] {
				if !c.finish(body, p, i, yield) {
					return
				}
				i, k = i+1, 0
			}
		}
		// A body planned with no target (an empty payload) is still sent.
		for ; i < p.Chunks() && p.counts[i] == 0 && k == 0; i++ {
			if !c.finish(c.appendPrefix(make([]byte, 0, p.sizes[i])), p, i, yield) {
				return
			}
		}
		if i < p.Chunks() {
			yield(nil, fmt.Errorf("fewer targets than the plan holds (stopped in body %d of %d)", i, p.Chunks()))
		}
	}
}

func (c *Chunker) finish(body []byte, p Plan, i int, yield func([]byte, error) bool) bool {
	body = c.appendSuffix(body, p, i)
	if len(body) != p.sizes[i] {
		yield(nil, fmt.Errorf("body %d: %d bytes, plan has %d: targets differ from the planned sizes", i, len(body), p.sizes[i]))
		return false
	}
	return yield(body, nil)
}
