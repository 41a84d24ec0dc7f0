// Package recorder owns the one recording HTTP backend of injectkit's
// tests: a loopback server, closed with the test, that records every
// request and answers it from a script of replies (statuses, headers,
// bodies, a hold, a delay, a cut connection) or from a handler.
// Package transporttest serves it to the tests of other packages, and to
// other modules, with what a callback backend adds (Delivered); the
// in-package tests of transport and internal/httpx use it from here, as
// they cannot import transporttest (which imports transport, which
// imports httpx). It imports nothing of injectkit but internal/testkit,
// and names none of testkit's types in its API, so that a module other
// than injectkit may use it.
package recorder

import (
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/injectkit/injectkit/internal/testkit"
)

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

// Reply is one answer of a Backend.
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

// Backend is a loopback HTTP server, closed with the test, that records
// every request and answers it from a script: the n-th request (from 0)
// gets the n-th reply; later ones get the reply SetReply chose (200 with
// no body unless set). A handler given to NewBackendFunc answers instead.
type Backend struct {
	*httptest.Server
	// sig fires when a request comes in and when it is answered.
	sig testkit.Signal

	mu     sync.Mutex
	script []Reply
	then   Reply
	handle func(n int, w http.ResponseWriter, r *http.Request)
	held   bool
	gate   testkit.Signal // Release's: what held requests wait on
	reqs   []Request
}

// New starts a backend answering the statuses given, in order, then 200.
func New(t testing.TB, statuses ...int) *Backend {
	t.Helper()
	replies := make([]Reply, len(statuses))
	for i, s := range statuses {
		replies[i].Status = s
	}
	return NewScripted(t, replies...)
}

// NewScripted starts a backend answering the replies given, in order,
// then 200.
func NewScripted(t testing.TB, replies ...Reply) *Backend {
	t.Helper()
	return start(t, &Backend{script: replies})
}

// NewFunc starts a backend whose answers h writes; n counts the requests
// from 0. The status h writes is recorded like a scripted one.
func NewFunc(t testing.TB, h func(n int, w http.ResponseWriter, r *http.Request)) *Backend {
	t.Helper()
	return start(t, &Backend{handle: h})
}

// NewTLS is New over HTTPS: httptest's certificate, which
// a client trusts with its CA (Certificate) or with verification off.
func NewTLS(t testing.TB, statuses ...int) *Backend {
	t.Helper()
	b := &Backend{}
	for _, s := range statuses {
		b.script = append(b.script, Reply{Status: s})
	}
	b.Server = httptest.NewTLSServer(http.HandlerFunc(b.serve))
	return started(t, b)
}

func start(t testing.TB, b *Backend) *Backend {
	b.Server = httptest.NewServer(http.HandlerFunc(b.serve))
	return started(t, b)
}

// started closes b, serving already, with the test.
func started(t testing.TB, b *Backend) *Backend {
	t.Cleanup(func() {
		b.Release()
		b.Close()
	})
	return b
}

// Repeat returns n replies of status with body.
func Repeat(n, status int, body string) []Reply {
	return slices.Repeat([]Reply{{Status: status, Body: body}}, n)
}

// SetReply sets the answer to the requests after the script.
func (b *Backend) SetReply(r Reply) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.then = r
}

// Hold makes the requests that come in wait, unanswered, until Release or
// until their client leaves (then they get no answer): a slow backend.
func (b *Backend) Hold() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.held = true
}

// Release answers the requests Hold kept waiting, and lets later ones
// through.
func (b *Backend) Release() {
	b.mu.Lock()
	b.held = false
	b.mu.Unlock()
	b.gate.Notify()
}

// Requests returns the requests received so far, in order.
func (b *Backend) Requests() []Request {
	b.mu.Lock()
	defer b.mu.Unlock()
	return slices.Clone(b.reqs)
}

// Len returns the number of requests received so far.
func (b *Backend) Len() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return len(b.reqs)
}

// Answered returns the requests answered with a 2xx status, in order.
func (b *Backend) Answered() []Request {
	var out []Request
	for _, r := range b.Requests() {
		if r.Status/100 == 2 {
			out = append(out, r)
		}
	}
	return out
}

// Await waits until n requests have come in, and fails t when a minute
// passes first.
func (b *Backend) Await(t testing.TB, n int) {
	t.Helper()
	testkit.WaitFor(t, time.Minute, "requests to the backend", func() bool { return b.Len() >= n }, &b.sig)
}

// Within reports whether cond holds before timeout passes, checking it
// again each time a request comes in or is answered.
func (b *Backend) Within(timeout time.Duration, cond func() bool) bool {
	return testkit.Within(timeout, cond, &b.sig)
}
