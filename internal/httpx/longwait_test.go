package httpx

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/injectkit/injectkit/internal/httpx/httpxtest"
	"github.com/injectkit/injectkit/transport/transporttest/recorder"
)

// TestPosterLongWaitEnds: with a ctx of WithLongWaitEnds, a 503 or 429
// whose Retry-After asks more than MaxRetryAfter ends the attempts at
// that answer, its error holding the wait asked in full; one asking no
// more is waited and retried as without it, and so is every answer of a
// ctx without it.
func TestPosterLongWaitEnds(t *testing.T) {
	tests := []struct {
		name         string
		status       int
		retryAfter   string
		ends         bool
		wantRequests int
		wantWaits    []time.Duration
		wantAfter    time.Duration
	}{
		{"503 asking an hour ends", 503, "3600", true, 1, nil, time.Hour},
		{"429 asking an hour ends", 429, "3600", true, 1, nil, time.Hour},
		{"an HTTP date past the cap ends", 503, "Fri, 31 Dec 9999 23:59:59 GMT", true, 1, nil, mostRetryAfter},
		{"503 asking the cap is waited", 503, "30", true, 4, []time.Duration{30 * time.Second, 30 * time.Second, 30 * time.Second}, 30 * time.Second},
		{"503 without Retry-After is waited", 503, "", true, 4, []time.Duration{time.Second, 2 * time.Second, 4 * time.Second}, 0},
		{"a malformed Retry-After is the backoff", 503, "+3600", true, 4, []time.Duration{time.Second, 2 * time.Second, 4 * time.Second}, 0},
		{"without the ctx an hour is waited capped", 503, "3600", false, 4, []time.Duration{30 * time.Second, 30 * time.Second, 30 * time.Second}, time.Hour},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			reply := recorder.Reply{Status: tt.status, Body: "busy"}
			if tt.retryAfter != "" {
				reply.Header = http.Header{"Retry-After": {tt.retryAfter}}
			}
			srv := recorder.NewScripted(t)
			srv.SetReply(reply)
			timer := &httpxtest.Timer{}
			p := Poster{Client: NewDefaultClient(), Timer: timer}
			ctx := context.Background()
			if tt.ends {
				ctx = WithLongWaitEnds(ctx)
			}
			_, err := p.Do(ctx, Request{URL: srv.URL})
			var he *HTTPError
			if !errors.As(err, &he) {
				t.Fatalf("error = %v, want an *HTTPError", err)
			}
			if got := srv.Len(); got != tt.wantRequests || he.Attempts != tt.wantRequests {
				t.Errorf("%d requests, %d attempts reported; want %d", got, he.Attempts, tt.wantRequests)
			}
			if he.Status != tt.status || he.RetryAfter != tt.wantAfter || !errors.Is(err, ErrRetriesExhausted) {
				t.Errorf("error %v: status %d, Retry-After %v, exhausted %t; want %d, %v, true", err, he.Status, he.RetryAfter,
					errors.Is(err, ErrRetriesExhausted), tt.status, tt.wantAfter)
			}
			if got := timer.Waits(); !slices.Equal(got, tt.wantWaits) {
				t.Errorf("waits %v, want %v", got, tt.wantWaits)
			}
		})
	}
}
