package recorder

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/injectkit/injectkit/internal/testkit"
)

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
	b.sig.Notify()
	defer b.sig.Notify()

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

// Cut closes the connection of w's request without an answer: a handler
// given to NewFunc records no status then.
func Cut(w http.ResponseWriter) {
	if sw, ok := w.(*statusWriter); ok {
		sw.wrote = true
	}
	testkit.Cut(w)
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
