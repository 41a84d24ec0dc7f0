package httpx

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"sync"
)

// net/http writes a body of known length through io.LimitReader, which
// hides every fast path: a plain TCP connection then copies it 32 KiB at
// a time through a buffer allocated for each request (a 1 MiB callback: 33
// writes and 32 KiB of garbage). A Poster's body is a *wholeBody and its
// client's connections are *wholeConns, which write what is left of such
// a body in one call, from the caller's bytes. The bytes on the wire are
// the same.
//
// A body that is not one of net/http's own in-memory readers has its
// headers flushed to the connection before it is copied (a write of their
// own, a TCP segment the server reads alone). A small body is one instead
// (bytes.Reader), written into the transport's write buffer behind its
// headers: the request leaves in one write, as net/http does for its own
// readers. A large one stays a *wholeBody, written from the caller's bytes.

// net/http may go on writing a body after Client.Do returned: a server
// that answers before reading it all (a proxy's 413 for a body over its
// limit, a 401) has its answer handed back while the connection's own
// goroutine is still writing, and the body is closed only once that write
// ends (RoundTripper's contract: a caller reusing the bytes waits for the
// Close). A Poster's callers reuse them at once (the outbox's encoder
// writes its next chunk into the buffer just posted), so an attempt lets
// go of its bodies before it returns (heldBodies.release): a small body
// is a copy of the caller's bytes, a large one is read only under its
// lock, which release takes, waiting for a write in progress, and keeps:
// net/http reads nothing of the caller's bytes after that.

// smallBody is the largest body sent as a *bytes.Reader: with its request
// line and headers (a few hundred bytes, a token among them) it fits the
// 4 KiB write buffer of an http.Transport (WriteBufferSize 0). A request
// that does not fit still goes whole, in two writes (the buffer, then the
// rest through a *wholeConn's copy, sized to what is left).
const smallBody = 3 << 10

// errReleased is the error of a read of a body after its attempt returned.
var errReleased = errors.New("httpx: request body read after its request returned")

// wholeBody is a request body read from b. lock is a one-slot channel
// rather than a sync.Mutex: a release waiting on it is durably blocked
// inside a synctest bubble.
type wholeBody struct {
	lock     chan struct{}
	b        []byte
	off      int
	released bool
}

// heldBodies are the bodies one attempt handed to net/http (its request's,
// and those GetBody made for a retry on another connection).
type heldBodies struct {
	mu    sync.Mutex
	whole []*wholeBody
}

// body returns b as a request body: http.NoBody when empty, as
// http.NewRequest makes it, a *bytes.Reader over a copy up to smallBody
// bytes, a *wholeBody above.
func (h *heldBodies) body(b []byte) io.ReadCloser {
	switch {
	case len(b) == 0:
		return http.NoBody
	case len(b) <= smallBody:
		return io.NopCloser(bytes.NewReader(bytes.Clone(b)))
	}
	w := &wholeBody{lock: make(chan struct{}, 1), b: b}
	h.mu.Lock()
	h.whole = append(h.whole, w)
	h.mu.Unlock()
	return w
}

// release waits for a write of any of the bodies in progress to end, and
// makes every later read of them fail (errReleased).
func (h *heldBodies) release() {
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, w := range h.whole {
		w.lock <- struct{}{}
		w.released, w.b = true, nil
		<-w.lock
	}
}

func (w *wholeBody) Read(p []byte) (int, error) {
	w.lock <- struct{}{}
	defer func() { <-w.lock }()
	if w.released {
		return 0, errReleased
	}
	if w.off >= len(w.b) {
		return 0, io.EOF
	}
	n := copy(p, w.b[w.off:])
	w.off += n
	return n, nil
}

func (w *wholeBody) Close() error { return nil }

// writeTo writes what is left of w to c in one call when it fits lr's
// limit (done); it leaves the copy to its caller otherwise.
func (w *wholeBody) writeTo(c net.Conn, lr *io.LimitedReader) (n int64, done bool, err error) {
	w.lock <- struct{}{}
	defer func() { <-w.lock }()
	if w.released {
		return 0, true, errReleased
	}
	if int64(len(w.b)-w.off) > lr.N {
		return 0, false, nil
	}
	m, err := c.Write(w.b[w.off:])
	w.off += m
	lr.N -= int64(m)
	return int64(m), true, err
}

// wholeConn is a connection that writes a *wholeBody in one call.
type wholeConn struct{ net.Conn }

// ReadFrom writes r to the connection: at once when r is what net/http
// hands over for a *wholeBody whose rest fits its length limit, through
// the connection's own ReadFrom (or a copy) otherwise.
func (c *wholeConn) ReadFrom(r io.Reader) (int64, error) {
	if lr, ok := r.(*io.LimitedReader); ok {
		if b, ok := lr.R.(*wholeBody); ok {
			if n, done, err := b.writeTo(c.Conn, lr); done {
				return n, err
			}
		}
	}
	return io.Copy(c.Conn, r)
}

// dialWhole returns dial with its connections made *wholeConns.
func dialWhole(dial func(ctx context.Context, network, addr string) (net.Conn, error)) func(ctx context.Context, network, addr string) (net.Conn, error) {
	if dial == nil {
		dial = (&net.Dialer{}).DialContext
	}
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		c, err := dial(ctx, network, addr)
		if err != nil {
			return nil, err
		}
		return &wholeConn{c}, nil
	}
}
