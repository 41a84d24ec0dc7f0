package transporttest

import (
	"net/http"
	"testing"

	"github.com/injectkit/injectkit/internal/testkit"
	"github.com/injectkit/injectkit/transport"
)

// Backend is a callback backend for tests: a loopback HTTP server, closed
// with the test, that records every request and answers from a script (see
// testkit.Backend: replies, holds, cut connections, Await), read as the
// callbacks transport.Client posts.
type Backend struct {
	*testkit.Backend
}

// NewBackend starts a callback backend answering the statuses given, in
// order, then 200.
func NewBackend(t testing.TB, statuses ...int) *Backend {
	t.Helper()
	return &Backend{testkit.NewBackend(t, statuses...)}
}

// NewScriptedBackend starts a callback backend answering the replies
// given, in order, then 200.
func NewScriptedBackend(t testing.TB, replies ...testkit.Reply) *Backend {
	t.Helper()
	return &Backend{testkit.NewScriptedBackend(t, replies...)}
}

// NewBackendFunc starts a callback backend whose answers h writes; n counts
// the requests from 0.
func NewBackendFunc(t testing.TB, h func(n int, w http.ResponseWriter, r *http.Request)) *Backend {
	t.Helper()
	return &Backend{testkit.NewBackendFunc(t, h)}
}

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
func Delivered(reqs []testkit.Request) map[string][][]byte {
	out := map[string][][]byte{}
	for _, r := range reqs {
		if r.Status/100 == 2 {
			key := r.Header.Get(transport.IdempotencyHeader)
			out[key] = append(out[key], r.Body)
		}
	}
	return out
}
