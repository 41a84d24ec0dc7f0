package query

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/injectkit/injectkit/injectors/query/shodantest"
)

// TestShodanRetryAfterPastDeadline: a 429 whose Retry-After asks for a
// wait the inject's deadline leaves no room for ends the search at that
// answer, its error naming the status, the wait the engine asked and what
// to do, where the search used to wait into the deadline and report a bare
// "context deadline exceeded"; a wait that ends before the deadline is
// waited and retried as before.
func TestShodanRetryAfterPastDeadline(t *testing.T) {
	tests := []struct {
		name       string
		retryAfter string
		deadline   time.Duration
		wantTries  int
		wantWaits  []time.Duration
		wantText   []string // in the error; none: the search succeeds
	}{
		{"100s asked, 5s left", "100", 5 * time.Second, 1, nil, []string{
			"rate limited (HTTP 429: Rate limit reached); the engine asked to retry in 100s (Retry-After), more than the ",
			"s left before the deadline: not retried (give the inject a timeout past that wait, or run it again once the wait has passed)"}},
		{"a day asked, capped past the deadline", "86400", time.Minute, 1, nil, []string{"retry in 86400s (Retry-After, capped to 120s), more than the "}},
		{"100s asked, an hour left", "100", time.Hour, 2, []time.Duration{100 * time.Second}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newStandIn(t)
			srv.Enqueue(shodantest.Reply{Status: http.StatusTooManyRequests, Header: http.Header{"Retry-After": {tt.retryAfter}},
				Body: shodantest.ErrorBody("Rate limit reached")})
			s, timer := newShodan(t, srv, nil, nil)
			ctx, cancel := context.WithTimeout(context.Background(), tt.deadline)
			defer cancel()
			res, err := s.Search(ctx, "nginx", 100)
			if got := len(srv.Requests()); got != tt.wantTries || !slices.Equal(timer.Waits(), tt.wantWaits) {
				t.Errorf("%d requests, waits %v; want %d, %v", got, timer.Waits(), tt.wantTries, tt.wantWaits)
			}
			if tt.wantText == nil {
				if err != nil || len(res.Matches) != 13 {
					t.Fatalf("Search = %d matches, %v; want 13 matches after the retry", len(res.Matches), err)
				}
				return
			}
			if !errors.Is(err, ErrRateLimited) || errors.Is(err, context.DeadlineExceeded) {
				t.Errorf("err = %v, want ErrRateLimited, not the deadline's", err)
			}
			for _, want := range tt.wantText {
				if err == nil || !strings.Contains(err.Error(), want) {
					t.Errorf("err = %v, want it to hold %q", err, want)
				}
			}
		})
	}
}
