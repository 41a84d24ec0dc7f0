package httpx

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"testing"

	"github.com/injectkit/injectkit/internal/httpx/httpxtest"
)

// ctx ending while a 2xx answer's body is read cuts an attempt the server
// answered: the *InterruptedError says it connected (the server took the
// request), never that it was not sent. Read whole or through Decode.
func TestPosterCutDuring2xxBodyConnected(t *testing.T) {
	for _, tc := range []struct {
		name   string
		decode bool
	}{
		{"read whole", false},
		{"through Decode", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			release := make(chan struct{})
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
				w.Header().Set("Content-Length", "100")
				w.WriteHeader(http.StatusOK)
				_, _ = w.Write([]byte("0123456789"))
				w.(http.Flusher).Flush()
				<-release
			}))
			defer srv.Close()
			defer close(release)
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			// The body's first bytes arrived: the answer is being read
			// when ctx ends.
			cutAfterFirst := func(_ int, body io.Reader) error {
				buf := make([]byte, 10)
				_, _ = io.ReadFull(body, buf)
				cancel()
				_, err := io.ReadAll(body)
				return err
			}
			r := Request{Op: "search", URL: srv.URL}
			p := Poster{Client: NewDefaultClient(), Timer: &httpxtest.Timer{}, Attempts: 1}
			if tc.decode {
				r.Decode = cutAfterFirst
			} else {
				p.Client = &http.Client{Transport: cancelOnBody{rt: http.DefaultTransport, cancel: cancel}}
			}
			_, err := p.Do(ctx, r)
			var ie *InterruptedError
			if !errors.As(err, &ie) {
				t.Fatalf("Do: %v, want an *InterruptedError", err)
			}
			if ie.Waiting || !ie.Connected || ie.Attempts != 1 {
				t.Errorf("Waiting %v, Connected %v, Attempts %d: want an attempt in flight that connected (the server answered 200)",
					ie.Waiting, ie.Connected, ie.Attempts)
			}
		})
	}
}

// cancelOnBody ends ctx once the first bytes of an answer's body are read.
type cancelOnBody struct {
	rt     http.RoundTripper
	cancel context.CancelFunc
}

func (c cancelOnBody) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := c.rt.RoundTrip(req)
	if err == nil {
		resp.Body = &cancelingBody{ReadCloser: resp.Body, cancel: c.cancel}
	}
	return resp, err
}

type cancelingBody struct {
	io.ReadCloser
	cancel context.CancelFunc
}

func (b *cancelingBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	if n > 0 {
		b.cancel()
	}
	return n, err
}

// An attempt ctx cuts short once it connected may have been taken by the
// server: Request.Unanswered is called for it, as for a connection cut;
// one cut before it connected never reached the server, and is not.
func TestPosterCutInFlightCallsUnanswered(t *testing.T) {
	tests := []struct {
		name string
		// start returns the client and the URL of an attempt whose
		// ctx cancel ends at the point the case names.
		start func(t *testing.T, cancel context.CancelFunc) (*http.Client, string)
		want  []int
	}{
		{"taken, no answer yet", func(t *testing.T, cancel context.CancelFunc) (*http.Client, string) {
			srv := httptest.NewServer(http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) {
				_, _ = io.ReadAll(r.Body)
				cancel() // the request arrived whole; its answer never comes
				<-r.Context().Done()
			}))
			t.Cleanup(srv.Close)
			return NewDefaultClient(), srv.URL
		}, []int{1}},
		{"answered 200, body cut", func(t *testing.T, cancel context.CancelFunc) (*http.Client, string) {
			release := make(chan struct{})
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
				w.Header().Set("Content-Length", "100")
				w.WriteHeader(http.StatusOK)
				_, _ = w.Write([]byte("0123456789"))
				w.(http.Flusher).Flush()
				<-release
			}))
			t.Cleanup(srv.Close)
			t.Cleanup(func() { close(release) })
			return &http.Client{Transport: cancelOnBody{rt: http.DefaultTransport, cancel: cancel}}, srv.URL
		}, []int{1}},
		{"cut before it connected", func(t *testing.T, cancel context.CancelFunc) (*http.Client, string) {
			return &http.Client{Transport: neverConnects{cancel: cancel}}, "http://127.0.0.1:9/"
		}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			client, url := tt.start(t, cancel)
			var unanswered []int
			p := Poster{Client: client, Timer: &httpxtest.Timer{}, Attempts: 3}
			_, err := p.Do(ctx, Request{Op: "complete", URL: url, Body: []byte("{}"),
				Unanswered: func(n int) { unanswered = append(unanswered, n) }})
			if !errors.Is(err, context.Canceled) {
				t.Fatalf("Do: %v, want ctx's end", err)
			}
			if !slices.Equal(unanswered, tt.want) {
				t.Errorf("Unanswered called for attempts %v, want %v", unanswered, tt.want)
			}
		})
	}
}

// neverConnects ends ctx while an attempt waits for its connection, and
// returns ctx's end: the request never went out.
type neverConnects struct{ cancel context.CancelFunc }

func (n neverConnects) RoundTrip(req *http.Request) (*http.Response, error) {
	n.cancel()
	<-req.Context().Done()
	return nil, req.Context().Err()
}
