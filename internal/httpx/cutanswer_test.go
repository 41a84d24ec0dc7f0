package httpx

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
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
