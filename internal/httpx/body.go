package httpx

import (
	"bytes"
	"context"
	"io"
	"net"
	"net/http"
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

// smallBody is the largest body sent as a *bytes.Reader: with its request
// line and headers (a few hundred bytes, a token among them) it fits the
// 4 KiB write buffer of an http.Transport (WriteBufferSize 0). A request
// that does not fit still goes whole, in two writes (the buffer, then the
// rest through a *wholeConn's copy, sized to what is left).
const smallBody = 3 << 10

// wholeBody is a request body read from b.
type wholeBody struct {
	b   []byte
	off int
}

// newBody returns b as a request body: http.NoBody when empty, as
// http.NewRequest makes it, a *bytes.Reader up to smallBody bytes, a
// *wholeBody above.
func newBody(b []byte) io.ReadCloser {
	switch {
	case len(b) == 0:
		return http.NoBody
	case len(b) <= smallBody:
		return io.NopCloser(bytes.NewReader(b))
	}
	return &wholeBody{b: b}
}

func (w *wholeBody) Read(p []byte) (int, error) {
	if w.off >= len(w.b) {
		return 0, io.EOF
	}
	n := copy(p, w.b[w.off:])
	w.off += n
	return n, nil
}

func (w *wholeBody) Close() error { return nil }

// wholeConn is a connection that writes a *wholeBody in one call.
type wholeConn struct{ net.Conn }

// ReadFrom writes r to the connection: at once when r is what net/http
// hands over for a *wholeBody whose rest fits its length limit, through
// the connection's own ReadFrom (or a copy) otherwise.
func (c *wholeConn) ReadFrom(r io.Reader) (int64, error) {
	if lr, ok := r.(*io.LimitedReader); ok {
		if b, ok := lr.R.(*wholeBody); ok && int64(len(b.b)-b.off) <= lr.N {
			n, err := c.Conn.Write(b.b[b.off:])
			b.off += n
			lr.N -= int64(n)
			return int64(n), err
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
