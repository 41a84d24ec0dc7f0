package transporttest

import (
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/injectkit/injectkit/internal/testkit"
	"github.com/injectkit/injectkit/transport"
)

// Reply and Request repeat the fields of testkit's, whose recording
// backend serves Backend, on purpose: a module other than injectkit must
// see and write them, and can name no type of an internal package (an
// alias would make it one: TestAPINamesNoInternalType), while testkit,
// which the in-package tests of transport and httpx use, cannot import
// this package. The conversions below keep the two alike: a field added
// to one and not the other fails to compile.

// Reply is one scripted answer of a Backend.
type Reply struct {
	// Status defaults to 200.
	Status int
	Header http.Header
	Body   string
	// Echo names a request header whose value replaces each "%s" of Body:
	// a backend echoing a secret, for the tests that it is redacted.
	Echo string
	// Delay holds the answer back; a client that leaves meanwhile gets
	// none.
	Delay time.Duration
	// Cut closes the connection instead of answering.
	Cut bool
}

// Request is one request a Backend received.
type Request struct {
	Method string
	// Path is the escaped path, as sent.
	Path   string
	Query  string
	Header http.Header
	Body   []byte
	// At is when the request came in.
	At time.Time
	// Chunked: the body came with Transfer-Encoding chunked rather than a
	// Content-Length.
	Chunked bool
	// Status is what the backend answered; 0 while it has not, and when it
	// never did (the connection cut, or the client gone before the answer).
	Status int
	// Left: the client went away while its request was held or delayed,
	// and got no answer.
	Left bool
}

// Backend is a callback backend for tests: a loopback HTTP server, closed
// with the test, that records every request and answers from a script
// (replies, holds, cut connections), read as the callbacks
// transport.Client posts. The n-th request (from 0) gets the n-th reply;
// later ones get the reply SetReply chose (200 with no body unless set).
type Backend struct {
	*httptest.Server
	kit *testkit.Backend
}

func wrap(kit *testkit.Backend) *Backend { return &Backend{Server: kit.Server, kit: kit} }

// NewBackend starts a callback backend answering the statuses given, in
// order, then 200.
func NewBackend(t testing.TB, statuses ...int) *Backend {
	t.Helper()
	return wrap(testkit.NewBackend(t, statuses...))
}

// NewScriptedBackend starts a callback backend answering the replies
// given, in order, then 200.
func NewScriptedBackend(t testing.TB, replies ...Reply) *Backend {
	t.Helper()
	script := make([]testkit.Reply, len(replies))
	for i, r := range replies {
		script[i] = testkit.Reply(r)
	}
	return wrap(testkit.NewScriptedBackend(t, script...))
}

// NewBackendFunc starts a callback backend whose answers h writes; n counts
// the requests from 0.
func NewBackendFunc(t testing.TB, h func(n int, w http.ResponseWriter, r *http.Request)) *Backend {
	t.Helper()
	return wrap(testkit.NewBackendFunc(t, h))
}

// SetReply sets the answer to the requests after the script.
func (b *Backend) SetReply(r Reply) { b.kit.SetReply(testkit.Reply(r)) }

// Hold makes the requests that come in wait, unanswered, until Release or
// until their client leaves (then they get no answer): a slow backend.
func (b *Backend) Hold() { b.kit.Hold() }

// Release answers the requests Hold kept waiting, and lets later ones
// through.
func (b *Backend) Release() { b.kit.Release() }

// Requests returns the requests received so far, in order.
func (b *Backend) Requests() []Request { return requests(b.kit.Requests()) }

// Answered returns the requests answered with a 2xx status, in order.
func (b *Backend) Answered() []Request { return requests(b.kit.Answered()) }

// Len returns the number of requests received so far.
func (b *Backend) Len() int { return b.kit.Len() }

// Await waits until n requests have come in, and fails t when a minute
// passes first.
func (b *Backend) Await(t testing.TB, n int) {
	t.Helper()
	b.kit.Await(t, n)
}

func requests(in []testkit.Request) []Request {
	out := make([]Request, len(in))
	for i, r := range in {
		out[i] = Request(r)
	}
	return out
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

// Within reports whether cond holds before timeout passes, checking it
// again each time a request comes in or is answered.
func (b *Backend) Within(timeout time.Duration, cond func() bool) bool {
	return testkit.Within(timeout, cond, &b.kit.Signal)
}
