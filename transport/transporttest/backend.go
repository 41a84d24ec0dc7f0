package transporttest

import (
	"net/http"
	"testing"

	"github.com/injectkit/injectkit/transport"
	"github.com/injectkit/injectkit/transport/transporttest/recorder"
)

// Reply is one scripted answer of a Backend.
type Reply = recorder.Reply

// Request is one request a Backend received.
type Request = recorder.Request

// Backend is a callback backend for tests: a loopback HTTP server, closed
// with the test, that records every request and answers from a script
// (replies, holds, cut connections), read as the callbacks
// transport.Client posts. The n-th request (from 0) gets the n-th reply;
// later ones get the reply SetReply chose (200 with no body unless set).
// Its other methods are those of package recorder's Backend, the one
// recording backend, which it adds Delivered to.
type Backend struct {
	*recorder.Backend
}

// NewBackend starts a callback backend answering the statuses given, in
// order, then 200.
func NewBackend(t testing.TB, statuses ...int) *Backend {
	t.Helper()
	return &Backend{recorder.New(t, statuses...)}
}

// NewScriptedBackend starts a callback backend answering the replies
// given, in order, then 200.
func NewScriptedBackend(t testing.TB, replies ...Reply) *Backend {
	t.Helper()
	return &Backend{recorder.NewScripted(t, replies...)}
}

// NewBackendFunc starts a callback backend whose answers h writes; n counts
// the requests from 0.
func NewBackendFunc(t testing.TB, h func(n int, w http.ResponseWriter, r *http.Request)) *Backend {
	t.Helper()
	return &Backend{recorder.NewFunc(t, h)}
}

// NewTLSBackend is NewBackend over HTTPS: httptest's certificate, which a
// client trusts with its CA (Certificate) or with verification off.
func NewTLSBackend(t testing.TB, statuses ...int) *Backend {
	t.Helper()
	return &Backend{recorder.NewTLS(t, statuses...)}
}

// Repeat returns n replies of status with body.
func Repeat(n, status int, body string) []Reply { return recorder.Repeat(n, status, body) }

// Cut closes the connection of w's request without an answer: a handler
// given to NewBackendFunc records no status then.
func Cut(w http.ResponseWriter) { recorder.Cut(w) }

// Delivered returns the bodies the backend answered 2xx to, in order, by
// idempotency key: a key with more than one body was delivered twice.
func (b *Backend) Delivered() map[string][][]byte {
	return Delivered(b.Requests())
}

// DeliveredOnce returns what Delivered does, failing t for each key
// delivered more than once.
func (b *Backend) DeliveredOnce(t testing.TB) map[string][][]byte {
	t.Helper()
	delivered := b.Delivered()
	for key, bodies := range delivered {
		if len(bodies) != 1 {
			t.Errorf("key %s delivered %d times", key, len(bodies))
		}
	}
	return delivered
}

// Delivered returns the bodies of the requests answered 2xx, in order, by
// idempotency key (transport.IdempotencyHeader).
func Delivered(reqs []Request) map[string][][]byte {
	out := map[string][][]byte{}
	for _, r := range reqs {
		if r.Status/100 == 2 {
			key := r.Header.Get(transport.IdempotencyHeader)
			out[key] = append(out[key], r.Body)
		}
	}
	return out
}
