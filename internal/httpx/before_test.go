package httpx

import (
	"context"
	"errors"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/injectkit/injectkit/internal/httpx/httpxtest"
	"github.com/injectkit/injectkit/transport/transporttest/recorder"
)

// TestPosterBefore: Request.Before is called before each attempt with its
// number; an error it returns ends Do without that attempt, returned as
// is, with the attempts made so far.
func TestPosterBefore(t *testing.T) {
	errStop := errors.New("no longer needed")
	tests := []struct {
		name         string
		stopAt       int // Before fails before this attempt; 0 never
		wantCalls    []int
		wantRequests int
		wantErr      error
	}{
		{"never stops: every attempt", 0, []int{1, 2, 3}, 3, nil},
		{"stops before the first attempt", 1, []int{1}, 0, errStop},
		{"stops before a retry", 2, []int{1, 2}, 1, errStop},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newServer(t, recorder.Repeat(2, 503, "")...)
			var calls []int
			req := Request{URL: srv.URL, Before: func(_ context.Context, n, _ int) error {
				calls = append(calls, n)
				if n == tt.stopAt {
					return errStop
				}
				return nil
			}}
			p := Poster{Client: NewDefaultClient(), Timer: &httpxtest.Timer{}}
			rep, err := p.Do(context.Background(), req)
			if err != tt.wantErr { // returned as is, not wrapped
				t.Errorf("error = %v, want %v", err, tt.wantErr)
			}
			if !slices.Equal(calls, tt.wantCalls) {
				t.Errorf("Before called for attempts %v, want %v", calls, tt.wantCalls)
			}
			if got := len(srv.Requests()); got != tt.wantRequests || rep.Attempts != tt.wantRequests {
				t.Errorf("%d requests, %d attempts reported; want %d", got, rep.Attempts, tt.wantRequests)
			}
		})
	}
}

// TestPosterSending: ctx's Sending hook (WithSending) is called right
// before each request goes on the wire, after Before; an error it returns
// ends Do without that request: as it is before any request, else with
// the last request's failure wrapped beside it. WithSending(ctx, nil)
// removes it.
func TestPosterSending(t *testing.T) {
	errUnnoted := errors.New("not noted")
	tests := []struct {
		name         string
		stopAt       int // the hook fails before this request; 0 never
		remove       bool
		wantCalls    int
		wantRequests int
		wantStatus   int // of the *HTTPError in the error's chain; 0 none
	}{
		{"every request", 0, false, 3, 3, 503},
		{"refused before the first request", 1, false, 1, 0, 0},
		{"refused before a retry", 2, false, 2, 1, 503},
		{"removed", 0, true, 0, 3, 503},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newServer(t, recorder.Repeat(3, 503, "")...)
			var calls []string
			n := 0
			ctx := WithSending(context.Background(), func() error {
				calls = append(calls, "sending")
				if n++; n == tt.stopAt {
					return errUnnoted
				}
				return nil
			})
			if tt.remove {
				ctx = WithSending(ctx, nil)
			}
			req := Request{URL: srv.URL, Before: func(context.Context, int, int) error {
				calls = append(calls, "before")
				return nil
			}}
			p := Poster{Client: NewDefaultClient(), Timer: &httpxtest.Timer{}, Attempts: 3}
			rep, err := p.Do(ctx, req)
			sending := 0
			for i, c := range calls {
				if c == "sending" {
					sending++
					if i == 0 || calls[i-1] != "before" {
						t.Errorf("calls %v: the hook before Before", calls)
					}
				}
			}
			if sending != tt.wantCalls {
				t.Errorf("hook called %d times, want %d", sending, tt.wantCalls)
			}
			if got := len(srv.Requests()); got != tt.wantRequests || rep.Attempts != tt.wantRequests {
				t.Errorf("%d requests, %d attempts reported; want %d", got, rep.Attempts, tt.wantRequests)
			}
			var he *HTTPError
			status := 0
			if errors.As(err, &he) {
				status = he.Status
			}
			if status != tt.wantStatus || (tt.stopAt > 0) != errors.Is(err, errUnnoted) {
				t.Errorf("error %v: status %d, want %d; the hook's error in it: %t, want %t", err, status, tt.wantStatus,
					errors.Is(err, errUnnoted), tt.stopAt > 0)
			}
		})
	}
}

// TestPosterBeforeUnanswered: Before and Rewrite get, before each
// attempt, the attempts before it that got no answer (the server may hold
// the request): a connection cut and a gateway's 504 count, a 503 does
// not.
func TestPosterBeforeUnanswered(t *testing.T) {
	srv := recorder.NewFunc(t, func(n int, w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		switch n {
		case 0:
			recorder.Cut(w)
		case 1:
			w.WriteHeader(http.StatusServiceUnavailable)
		case 2:
			w.WriteHeader(http.StatusGatewayTimeout)
		}
	})
	var before, rewrite []int
	req := Request{URL: srv.URL, Body: []byte(`{}`),
		Before: func(_ context.Context, _, lost int) error {
			before = append(before, lost)
			return nil
		},
		Rewrite: func(_ context.Context, _, lost int, body []byte) ([]byte, error) {
			rewrite = append(rewrite, lost)
			return body, nil
		}}
	p := Poster{Client: NewDefaultClient(), Timer: &httpxtest.Timer{}}
	if _, err := p.Do(context.Background(), req); err != nil {
		t.Fatal(err)
	}
	want := []int{0, 1, 1, 2}
	if !slices.Equal(before, want) || !slices.Equal(rewrite, want) {
		t.Errorf("unanswered seen by Before %v, by Rewrite %v; want %v", before, rewrite, want)
	}
}

// TestPosterRewrite: Request.Rewrite is called after Before, before each
// attempt, with the body the attempt would send; the attempt sends the
// body it returns, and so do the next ones unless it changes it again; an
// error it returns ends Do without that attempt, returned as is.
func TestPosterRewrite(t *testing.T) {
	errStop := errors.New("body unusable")
	srv := newServer(t, recorder.Repeat(2, 503, "")...)
	var given []string
	req := Request{URL: srv.URL, Body: []byte("v1"), Rewrite: func(_ context.Context, n, _ int, body []byte) ([]byte, error) {
		given = append(given, string(body))
		if n == 2 {
			return []byte("v2"), nil
		}
		return body, nil
	}}
	p := Poster{Client: NewDefaultClient(), Timer: &httpxtest.Timer{}}
	if _, err := p.Do(context.Background(), req); err != nil {
		t.Fatal(err)
	}
	if want := []string{"v1", "v1", "v2"}; !slices.Equal(given, want) {
		t.Errorf("Rewrite given %v, want %v", given, want)
	}
	var sent []string
	for _, r := range srv.Requests() {
		sent = append(sent, string(r.Body))
	}
	if want := []string{"v1", "v2", "v2"}; !slices.Equal(sent, want) {
		t.Errorf("bodies sent %v, want %v", sent, want)
	}
	req.Rewrite = func(context.Context, int, int, []byte) ([]byte, error) { return nil, errStop }
	before := len(srv.Requests())
	if rep, err := p.Do(context.Background(), req); err != errStop || rep.Attempts != 0 || len(srv.Requests()) != before {
		t.Errorf("error %v, %d attempts, %d requests; want %v before any", err, rep.Attempts, len(srv.Requests())-before, errStop)
	}
}

// TestPosterNotYet: a *NotYetError from Request.Before makes no request
// for that attempt but counts it, and Do goes on to the next one; when no
// attempt is left, Do returns it, having sent nothing for it.
func TestPosterNotYet(t *testing.T) {
	later := &NotYetError{Err: errors.New("the server may not show it yet")}
	tests := []struct {
		name         string
		notYetUntil  int // Before answers NotYet for attempts up to this one
		wantRequests int
		wantErr      bool
	}{
		{"never", 0, 1, false},
		{"the first two attempts", 2, 1, false},
		{"every attempt", 3, 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newServer(t)
			var calls []int
			req := Request{URL: srv.URL, Before: func(_ context.Context, n, _ int) error {
				calls = append(calls, n)
				if n <= tt.notYetUntil {
					return later
				}
				return nil
			}}
			p := Poster{Client: NewDefaultClient(), Timer: &httpxtest.Timer{}, Attempts: 3}
			_, err := p.Do(context.Background(), req)
			if (err != nil) != tt.wantErr || (tt.wantErr && !errors.Is(err, later)) {
				t.Errorf("error = %v, want error %v", err, tt.wantErr)
			}
			if got := len(srv.Requests()); got != tt.wantRequests {
				t.Errorf("%d requests, want %d", got, tt.wantRequests)
			}
			if want := min(tt.notYetUntil+1, 3); len(calls) != want {
				t.Errorf("Before called for attempts %v, want %d calls", calls, want)
			}
		})
	}
}

// TestPosterNotYetAfterAFailure: a request whose attempt got a gateway's
// 504 (no answer: the server may hold it), then was told not yet until
// no attempt was left, ends with the *NotYetError holding that 504 as its
// last failure: a caller keeping the request for later records the
// request made, the one without an answer, and the server's last answer,
// not only the reason it waits.
func TestPosterNotYetAfterAFailure(t *testing.T) {
	srv := newServer(t, recorder.Repeat(1, http.StatusGatewayTimeout, "upstream request timeout")...)
	req := Request{Op: "callback", URL: srv.URL, Before: func(_ context.Context, n, _ int) error {
		if n > 1 {
			return &NotYetError{Err: errors.New("the server may not show it yet")}
		}
		return nil
	}}
	p := Poster{Client: NewDefaultClient(), Timer: &httpxtest.Timer{}, Attempts: 3}
	_, err := p.Do(context.Background(), req)
	var later *NotYetError
	var he *HTTPError
	if !errors.As(err, &later) || !errors.As(err, &he) {
		t.Fatalf("Do = %#v, want a *NotYetError holding the request's *HTTPError", err)
	}
	if he.Status != http.StatusGatewayTimeout || he.Attempts != 1 || he.Unanswered != 1 {
		t.Errorf("last failure %+v, want the 504 of the 1 request made, without an answer", he)
	}
	if msg := err.Error(); !strings.Contains(msg, "may not show it yet") || !strings.Contains(msg, "status 504") {
		t.Errorf("error %q, want it to say why it waits and the server's last answer", msg)
	}
	if got := len(srv.Requests()); got != 1 {
		t.Errorf("%d requests, want 1", got)
	}
}

// TestPosterRetrying: Request.Retrying is called with each failure that
// another attempt follows, not with the last one (Do returns it) nor with
// a success.
func TestPosterRetrying(t *testing.T) {
	for _, tt := range []struct {
		name    string
		fails   int // 503s before a 200
		want    []int
		wantErr bool
	}{
		{"success at once", 0, nil, false},
		{"two failures, then success", 2, []int{503, 503}, false},
		{"every attempt fails", 3, []int{503, 503}, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			srv := newServer(t, recorder.Repeat(tt.fails, 503, "")...)
			var got []int
			req := Request{URL: srv.URL, Retrying: func(he *HTTPError) { got = append(got, he.Status) }}
			p := Poster{Client: NewDefaultClient(), Attempts: 3, Timer: &httpxtest.Timer{}}
			_, err := p.Do(context.Background(), req)
			if (err != nil) != tt.wantErr {
				t.Fatalf("error = %v, want one: %v", err, tt.wantErr)
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("Retrying called with %v, want %v", got, tt.want)
			}
		})
	}
}
