package httpx

import (
	"bytes"
	"context"
	"hash/crc32"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"runtime"
	"sync/atomic"
	"testing"
)

// countedConn is a connection counting the writes made on it.
type countedConn struct {
	net.Conn
	writes *atomic.Int64
}

func (c *countedConn) Write(b []byte) (int, error) {
	c.writes.Add(1)
	return c.Conn.Write(b)
}

// countingPoster returns a Poster whose client's connections count their
// writes in writes, and a loopback server, closed with the test, that
// reads each request's body and sends its checksum on got.
func countingPoster(t testing.TB, writes *atomic.Int64) (*Poster, *httptest.Server, <-chan uint32) {
	t.Helper()
	got := make(chan uint32, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, err := io.ReadAll(r.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		got <- crc32.ChecksumIEEE(b)
	}))
	t.Cleanup(srv.Close)
	hc := NewDefaultClient()
	var d net.Dialer
	Transport(hc).DialContext = dialWhole(func(ctx context.Context, network, addr string) (net.Conn, error) {
		c, err := d.DialContext(ctx, network, addr)
		if err != nil {
			return nil, err
		}
		return &countedConn{Conn: c, writes: writes}, nil
	})
	return &Poster{Client: hc, Attempts: 1}, srv, got
}

// TestPosterRequestWrites checks how many writes a request takes on its
// (kept-alive) connection: one for a small body, its headers and body
// together, as net/http does for its own in-memory readers (the headers
// flushed alone first were a write, and a TCP segment, of their own), two
// for a body too large for the transport's write buffer. The server gets
// the body whole either way.
func TestPosterRequestWrites(t *testing.T) {
	tests := []struct {
		name   string
		size   int
		writes int64
	}{
		{name: "no body", size: 0, writes: 1},
		{name: "one byte", size: 1, writes: 1},
		{name: "a callback's size, 600 bytes", size: 600, writes: 1},
		{name: "smallBody", size: smallBody, writes: 1},
		{name: "smallBody+1", size: smallBody + 1, writes: 2},
		{name: "100 KiB", size: 100 << 10, writes: 2},
	}
	var writes atomic.Int64
	p, srv, got := countingPoster(t, &writes)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body := make([]byte, tt.size)
			for i := range body {
				body[i] = byte(i * 7)
			}
			for i := range 2 { // the first opens the connection, the second reuses it
				writes.Store(0)
				if _, err := p.Do(context.Background(), Request{Op: "test", URL: srv.URL, Body: body}); err != nil {
					t.Fatal(err)
				}
				if sum, want := <-got, crc32.ChecksumIEEE(body); sum != want {
					t.Fatalf("server read a body of checksum %08x, want %08x", sum, want)
				}
				if n := writes.Load(); n != tt.writes {
					t.Errorf("post %d of a %d-byte body: %d writes on the connection, want %d", i+1, tt.size, n, tt.writes)
				}
			}
		})
	}
}

// BenchmarkPosterSmallBody posts a 600-byte body (an openaev callback's
// size) to a loopback server over a kept-alive connection, reporting the
// client's writes a post.
func BenchmarkPosterSmallBody(b *testing.B) {
	var writes atomic.Int64
	p, srv, got := countingPoster(b, &writes)
	body := bytes.Repeat([]byte("x"), 600)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := p.Do(context.Background(), Request{Op: "test", URL: srv.URL, Body: body}); err != nil {
			b.Fatal(err)
		}
		<-got
	}
	b.ReportMetric(float64(writes.Load())/float64(b.N), "writes/op")
}

// TestPosterBodyWrittenWhole posts bodies to a loopback server and checks
// that each arrives whole while the client allocates no copy buffer for
// it: net/http's own copy of a body of known length takes 32 KiB a
// request, a *wholeConn writes the body from the caller's bytes.
func TestPosterBodyWrittenWhole(t *testing.T) {
	tests := []struct {
		name string
		size int
	}{
		{name: "1 MiB", size: 1 << 20},
		{name: "100 KiB", size: 100 << 10},
		{name: "one byte", size: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body := make([]byte, tt.size)
			for i := range body {
				body[i] = byte(i * 7)
			}
			buf := make([]byte, 64<<10) // the server's, allocated before counting
			got := make(chan uint32, 1)
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				var sum uint32
				for {
					n, err := r.Body.Read(buf)
					sum = crc32.Update(sum, crc32.IEEETable, buf[:n])
					if err == io.EOF {
						break
					}
					if err != nil {
						http.Error(w, err.Error(), http.StatusBadRequest)
						return
					}
				}
				got <- sum
			}))
			defer srv.Close()
			p := &Poster{Client: NewDefaultClient(), Attempts: 1}
			// allocated returns the bytes allocated by one post of b, on
			// average over 16 after a first.
			allocated := func(b []byte) uint64 {
				t.Helper()
				post := func() {
					t.Helper()
					if _, err := p.Do(context.Background(), Request{Op: "test", URL: srv.URL, Body: b}); err != nil {
						t.Fatal(err)
					}
					if sum, want := <-got, crc32.ChecksumIEEE(b); sum != want {
						t.Fatalf("server read a body of checksum %08x, want %08x", sum, want)
					}
				}
				post() // the connection and its buffers
				const posts = 16
				var before, after runtime.MemStats
				runtime.ReadMemStats(&before)
				for range posts {
					post()
				}
				runtime.ReadMemStats(&after)
				return (after.TotalAlloc - before.TotalAlloc) / posts
			}
			// A post without a body is the baseline: the body's own cost
			// is what the post of body allocates beyond it.
			// Under the race detector, net/http's pooled buffers are
			// dropped at random: the bodies are checked, not the counts.
			none := allocated(nil)
			if with := allocated(body); !raceOn && with >= none+16<<10 {
				t.Errorf("a post of %d bytes allocated %d bytes, one without a body %d: want less than 16 KiB more (no 32 KiB copy buffer)",
					len(body), with, none)
			}
		})
	}
}

// TestStatusOnlyReplyBodyKeptNowhere checks that the body of a status-only
// reply is read to its end without being kept: a long one allocates no
// more than an empty one.
func TestStatusOnlyReplyBodyKeptNowhere(t *testing.T) {
	if raceOn {
		t.Skip("allocation counts vary under the race detector")
	}
	p := &Poster{}
	allocs := func(n int) float64 {
		body := bytes.Repeat([]byte("x"), n)
		rd := bytes.NewReader(body)
		resp := &http.Response{StatusCode: http.StatusOK, Body: io.NopCloser(rd)}
		return testing.AllocsPerRun(50, func() {
			rd.Reset(body)
			if _, err := p.reply(context.Background(), &Request{StatusOnly: true}, resp); err != nil {
				t.Fatal(err)
			}
		})
	}
	empty := allocs(0)
	for _, n := range []int{600, 8 << 10, 64 << 10} {
		if got := allocs(n); got > empty {
			t.Errorf("a status-only reply of %d bytes: %.0f allocations, an empty one %.0f: want no more", n, got, empty)
		}
	}
}
