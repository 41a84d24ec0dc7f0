package httpx

import (
	"bufio"
	"context"
	"errors"
	"net"
	"net/http"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"
)

// gatedConn is the client end of an in-memory connection whose write of a
// request body (a write of bodySize bytes) stays in progress until gate is
// closed, as a write into a full socket buffer does while the server
// reads nothing: it says when it starts on writing, and counts the writes
// in progress in inWrite.
type gatedConn struct {
	net.Conn
	bodySize int
	writing  chan struct{}
	gate     chan struct{}
	inWrite  *atomic.Int32
}

func (c *gatedConn) Write(b []byte) (int, error) {
	if len(b) != c.bodySize {
		return c.Conn.Write(b)
	}
	c.inWrite.Add(1)
	defer c.inWrite.Add(-1)
	close(c.writing)
	<-c.gate
	return 0, net.ErrClosed
}

// A server may answer before it has read the request's body (a proxy's
// 413 for a body over its limit, a 401): net/http then hands the answer
// back while its connection goroutine is still writing the body from the
// caller's bytes, and closes the body only once that write ends (the
// RoundTripper contract: "callers wanting to reuse the body ... must
// arrange to wait for the Close call"). Do returned at once, and the
// outbox's encoder wrote the next chunk into those bytes while they were
// being sent (the race detector's report in TestDelivererPostsBodiesUncopied
// under load). Do now returns only once no write of the body is in
// progress: after it, the caller's bytes are its own again.
func TestPosterReturnsOnceTheBodyIsLetGo(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		body := make([]byte, 64<<10) // a *wholeBody, written from these bytes
		var inWrite atomic.Int32
		writing, gate := make(chan struct{}), make(chan struct{})
		served := make(chan struct{})
		hc := NewDefaultClient()
		Transport(hc).DialContext = dialWhole(func(context.Context, string, string) (net.Conn, error) {
			client, server := net.Pipe()
			go func() {
				defer close(served)
				defer server.Close()
				if _, err := http.ReadRequest(bufio.NewReader(server)); err != nil {
					t.Errorf("server: %v", err)
					return
				}
				<-writing // the body is being written: answer without reading it
				_, _ = server.Write([]byte("HTTP/1.1 413 Request Entity Too Large\r\nContent-Length: 9\r\nConnection: close\r\n\r\ntoo large"))
			}()
			return &gatedConn{Conn: client, bodySize: len(body), writing: writing, gate: gate, inWrite: &inWrite}, nil
		})
		p := &Poster{Client: hc, Attempts: 1}
		done := make(chan error, 1)
		go func() {
			_, err := p.Do(context.Background(), Request{Op: "callback", URL: "http://backend.test/callback", Body: body})
			done <- err
		}()
		<-writing
		time.Sleep(time.Minute) // net/http's waits for the write (50 ms) long over
		synctest.Wait()
		var err error
		select {
		case err = <-done:
			if n := inWrite.Load(); n != 0 {
				t.Errorf("Do returned while %d write(s) of its body were in progress: the caller's bytes still being sent", n)
			}
			close(gate)
		default:
			close(gate)
			err = <-done
		}
		var he *HTTPError
		if !errors.As(err, &he) || he.Status != http.StatusRequestEntityTooLarge {
			t.Errorf("Do = %v, want the 413", err)
		}
		<-served
		hc.CloseIdleConnections()
	})
}
