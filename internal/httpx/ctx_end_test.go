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
	"github.com/injectkit/injectkit/transport/transporttest/recorder"
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
			srv := heldBody(t)
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
			srv := heldBody(t)
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

// ctx ending while Before or Rewrite makes a request of its own (an
// outbox's shutdown while the inject's status or its stored findings are
// read before a retry of the "complete") ends Do as an end during a wait
// does: an *InterruptedError counting the attempts of this request and
// holding its last failure (the 503), not the error of theirs; before
// the first attempt, ctx's error, as an end before any attempt is: their
// request's attempts and failure are not this request's. Their other
// errors are returned as they are.
func TestPosterEndedBeforeAnAttempt(t *testing.T) {
	theirs := errors.New("their own refusal")
	for _, tc := range []struct {
		name    string
		rewrite bool  // Rewrite fails, not Before
		err     error // theirs; nil: ctx's end
		at      int   // the attempt before which they fail
	}{
		{"before, ctx ended", false, nil, 2},
		{"rewrite, ctx ended", true, nil, 2},
		{"before, its own error", false, theirs, 2},
		{"rewrite, its own error", true, theirs, 2},
		{"before the first attempt, ctx ended", false, nil, 1},
		{"rewrite before the first attempt, ctx ended", true, nil, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := newServer(t, recorder.Repeat(4, 503, "")...)
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			fail := func(ctx context.Context, n, _ int) error {
				if n < tc.at {
					return nil
				}
				if tc.err != nil {
					return tc.err
				}
				cancel() // their request cut short
				return &InterruptedError{Err: ctx.Err(), Attempts: 3, Last: &HTTPError{Op: "theirs", Status: 500}}
			}
			r := Request{Op: "callback", URL: srv.URL}
			if tc.rewrite {
				r.Rewrite = func(ctx context.Context, n, lost int, body []byte) ([]byte, error) { return body, fail(ctx, n, lost) }
			} else {
				r.Before = fail
			}
			p := Poster{Client: NewDefaultClient(), Timer: &httpxtest.Timer{}}
			rep, err := p.Do(ctx, r)
			if rep.Attempts != tc.at-1 || len(srv.Requests()) != tc.at-1 {
				t.Fatalf("%d attempts, %d requests; want %d", rep.Attempts, len(srv.Requests()), tc.at-1)
			}
			if tc.at == 1 {
				var ie *InterruptedError
				if errors.As(err, &ie) || !errors.Is(err, context.Canceled) {
					t.Errorf("error = %#v, want ctx's, none of their request's attempts", err)
				}
				return
			}
			if tc.err != nil {
				if err != tc.err {
					t.Errorf("error = %#v, want theirs as it is", err)
				}
				return
			}
			var ie *InterruptedError
			if !errors.As(err, &ie) || ie.Attempts != 1 || ie.Last == nil || ie.Last.Op != "callback" || ie.Last.Status != 503 ||
				!errors.Is(err, context.Canceled) {
				t.Errorf("error = %#v, want an *InterruptedError of this request: 1 attempt, its 503", err)
			}
		})
	}
}

// r13 finding 5: ctx ending right after an attempt the server answered
// (a 503), before Do looks at the answer, ends Do with an
// *InterruptedError that counts that attempt as answered: its 503 is the
// last failure, no request was in flight (Waiting, not Connected), and
// none got no answer.
func TestPosterEndedAfterAnAnswer(t *testing.T) {
	for _, tc := range []struct {
		name     string
		attempts int
		resume   bool // a retry was due
	}{
		{"a retry left", 2, true},
		{"the last attempt", 1, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := newServer(t, recorder.Repeat(2, 503, "busy")...)
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			hc := NewDefaultClient()
			hc.Transport = cancelAfter{rt: hc.Transport, cancel: cancel}
			p := Poster{Client: hc, Timer: &httpxtest.Timer{}, Attempts: tc.attempts}
			_, err := p.Do(ctx, Request{Op: "callback", URL: srv.URL, Body: []byte(`{}`)})
			var ie *InterruptedError
			if !errors.As(err, &ie) || !errors.Is(err, context.Canceled) {
				t.Fatalf("Do = %#v, want an *InterruptedError", err)
			}
			if ie.Attempts != 1 || ie.Last == nil || ie.Last.Status != 503 || ie.Last.Unanswered != 0 {
				t.Errorf("InterruptedError %+v, last %+v: want 1 attempt, its 503 the last failure, none unanswered", ie, ie.Last)
			}
			if !ie.Waiting || ie.Connected {
				t.Errorf("Waiting %v, Connected %v: want no request in flight", ie.Waiting, ie.Connected)
			}
			if got := !ie.Resume.IsZero(); got != tc.resume {
				t.Errorf("Resume %v, want a retry due: %v", ie.Resume, tc.resume)
			}
		})
	}
}

// cancelAfter is a RoundTripper that calls cancel once rt's round trip
// returned: the Do's ctx ends right after an answer came.
type cancelAfter struct {
	rt     http.RoundTripper
	cancel context.CancelFunc
}

func (c cancelAfter) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := c.rt.RoundTrip(r)
	c.cancel()
	return resp, err
}
