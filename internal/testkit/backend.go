package testkit

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// Request and Reply have public twins in transporttest, whose Backend
// this one serves: see there why they are two.

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
// Its Signal fires when a request comes in and when it is answered.
type Backend struct {
	*httptest.Server
	Signal

	mu     sync.Mutex
	script []Reply
	then   Reply
	handle func(n int, w http.ResponseWriter, r *http.Request)
	held   bool
	gate   Signal // Release's: what held requests wait on
	reqs   []Request
}

// NewBackend starts a backend answering the statuses given, in order, then
// 200.
func NewBackend(t testing.TB, statuses ...int) *Backend {
	t.Helper()
	replies := make([]Reply, len(statuses))
	for i, s := range statuses {
		replies[i].Status = s
	}
	return NewScriptedBackend(t, replies...)
}

// NewScriptedBackend starts a backend answering the replies given, in
// order, then 200.
func NewScriptedBackend(t testing.TB, replies ...Reply) *Backend {
	t.Helper()
	return start(t, &Backend{script: replies})
}

// NewBackendFunc starts a backend whose answers h writes; n counts the
// requests from 0. The status h writes is recorded like a scripted one.
func NewBackendFunc(t testing.TB, h func(n int, w http.ResponseWriter, r *http.Request)) *Backend {
	t.Helper()
	return start(t, &Backend{handle: h})
}

// NewTLSBackend is NewBackend over HTTPS: httptest's certificate, which
// a client trusts with its CA (Certificate) or with verification off.
func NewTLSBackend(t testing.TB, statuses ...int) *Backend {
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
	WaitFor(t, time.Minute, "requests to the backend", func() bool { return b.Len() >= n }, &b.Signal)
}

func (b *Backend) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	b.mu.Lock()
	n := len(b.reqs)
	b.reqs = append(b.reqs, Request{Method: r.Method, Path: r.URL.EscapedPath(), Query: r.URL.RawQuery,
		Header: r.Header.Clone(), Body: body, At: time.Now(), Chunked: len(r.TransferEncoding) > 0})
	var hold <-chan struct{} // nil: not held
	if b.held {
		hold = b.gate.C()
	}
	handle := b.handle
	reply := b.then
	if n < len(b.script) {
		reply = b.script[n]
	}
	b.mu.Unlock()
	b.Notify()
	defer b.Notify()

	if !waitOrLeave(r.Context(), hold, 0) {
		b.left(n)
		return
	}
	sw := &statusWriter{ResponseWriter: w, record: func(code int) { b.setStatus(n, code) }}
	if handle != nil {
		r.Body = io.NopCloser(bytes.NewReader(body)) // read again by h
		handle(n, sw, r)
		sw.WriteHeader(http.StatusOK) // a no-op when h wrote its own
		return
	}
	if !waitOrLeave(r.Context(), nil, reply.Delay) {
		b.left(n)
		return
	}
	if reply.Cut {
		Cut(sw)
		return
	}
	for k, vs := range reply.Header {
		w.Header()[k] = vs
	}
	sw.WriteHeader(orDefault(reply.Status, http.StatusOK))
	answer := reply.Body
	if reply.Echo != "" {
		answer = strings.ReplaceAll(answer, "%s", r.Header.Get(reply.Echo))
	}
	_, _ = io.WriteString(sw, answer)
}

// waitOrLeave waits until gate is closed (nil: at once) and delay has
// passed, and reports false when ctx ends first.
func waitOrLeave(ctx context.Context, gate <-chan struct{}, delay time.Duration) bool {
	if gate != nil {
		select {
		case <-gate:
		case <-ctx.Done():
			return false
		}
	}
	if delay <= 0 {
		return true
	}
	timer := time.NewTimer(delay)
	defer timer.Stop()
	select {
	case <-timer.C:
		return true
	case <-ctx.Done():
		return false
	}
}

// left records that the client of request n went away unanswered.
func (b *Backend) left(n int) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.reqs[n].Left = true
}

func (b *Backend) setStatus(n, code int) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.reqs[n].Status = code
}

func orDefault(v, def int) int {
	if v == 0 {
		return def
	}
	return v
}

// Cut closes the connection of w's request without an answer (a handler
// given to NewBackendFunc records no status then).
func Cut(w http.ResponseWriter) {
	if sw, ok := w.(*statusWriter); ok {
		sw.wrote = true
	}
	if conn, _, err := http.NewResponseController(w).Hijack(); err == nil {
		_ = conn.Close()
	}
}

// statusWriter records the status of an answer once, before it is sent.
type statusWriter struct {
	http.ResponseWriter
	record func(int)
	wrote  bool
}

func (w *statusWriter) WriteHeader(code int) {
	if w.wrote {
		return
	}
	w.wrote = true
	w.record(code)
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(p []byte) (int, error) {
	w.WriteHeader(http.StatusOK)
	return w.ResponseWriter.Write(p)
}

// Unwrap gives http.ResponseController the connection, to hijack it.
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
