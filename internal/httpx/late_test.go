package httpx

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/injectkit/injectkit/internal/httpx/httpxtest"
	"github.com/injectkit/injectkit/internal/latetest"
)

// TestPosterLateRetry: a 429 or 503 whose Retry-After asks for a wait
// that reaches the deadline of Do's ctx ends the attempts at that answer,
// at once, with a *LateRetryError naming the status, the wait asked and
// the time left, where the Poster used to wait into the deadline and
// return "context deadline exceeded"; a wait that ends before the deadline,
// a ctx without one, and a Retry-After that asks for no wait (0, a date
// past, a negative or malformed value: the backoff step) are retried as
// before. The clock is synctest's: it does not move while a request is
// out to the real server, so the time left is exact.
func TestPosterLateRetry(t *testing.T) {
	midnight := time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC) // synctest's start
	tests := []struct {
		name       string
		status     int
		retryAfter string
		deadline   time.Duration // 0: none
		maxAfter   time.Duration // Poster.MaxRetryAfter
		minWait    time.Duration // Poster.MinWait
		late       bool
		wantWait   time.Duration // LateRetryError.Wait, or the first wait
		wantAfter  time.Duration
		wantText   string // in the error, when late
	}{
		{"429 asking 100s, 5s left", 429, "100", 5 * time.Second, 2 * time.Minute, 0, true, 100 * time.Second, 100 * time.Second,
			`shodan search failed after 1 attempt: status 429: "busy"; the server asked to retry in 100s (Retry-After), more than the 5s left before the deadline: not retried`},
		{"503 asking an hour, capped wait past the deadline", 503, "3600", 5 * time.Second, 0, 0, true, 30 * time.Second, time.Hour,
			"asked to retry in 3600s (Retry-After, capped to 30s), more than the 5s left"},
		{"a wait ending at the deadline", 503, "5", 5 * time.Second, 0, 0, true, 5 * time.Second, 5 * time.Second, "retry in 5s (Retry-After), more than the 5s left"},
		{"a date 100s ahead", 429, "Sat, 01 Jan 2000 00:01:40 GMT", 5 * time.Second, 2 * time.Minute, 0, true, 100 * time.Second, 100 * time.Second, "retry in 100s"},
		{"a huge number", 503, "99999999999999999999", 20 * time.Second, 0, 0, true, 30 * time.Second, mostRetryAfter, "retry in more than 12 days (Retry-After, capped to 30s), more than the 20s left"},
		{"MinWait raising a wait past the deadline", 429, "2", 5 * time.Second, 0, 10 * time.Second, true, 10 * time.Second, 2 * time.Second,
			"retry in 2s (Retry-After; 10s between two requests at the least), more than the 5s left"},
		{"a wait ending before the deadline", 503, "4", 5 * time.Second, 0, 0, false, 4 * time.Second, 4 * time.Second, ""},
		{"the capped wait ending before the deadline", 503, "3600", time.Minute, 0, 0, false, 30 * time.Second, time.Hour, ""},
		{"no deadline", 429, "100", 0, 0, 0, false, 30 * time.Second, 100 * time.Second, ""},
		{"Retry-After 0 is the backoff", 503, "0", 500*time.Millisecond + time.Second, 0, 0, false, time.Second, 0, ""},
		{"a date past is the backoff", 503, "Fri, 31 Dec 1999 23:00:00 GMT", 2 * time.Second, 0, 0, false, time.Second, 0, ""},
		{"a negative number is ignored", 503, "-100", 2 * time.Second, 0, 0, false, time.Second, 0, ""},
		{"garbage is ignored", 429, "100s", 2 * time.Second, 0, 0, false, time.Second, 0, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := latetest.Busy(t, tt.status, tt.retryAfter)
			latetest.InBubble(t, NewDefaultClient, func(t *testing.T, hc *http.Client) {
				if !time.Now().Equal(midnight) {
					t.Fatalf("synctest's clock starts at %v, want %v", time.Now(), midnight)
				}
				timer := &httpxtest.Timer{}
				p := Poster{Client: hc, Timer: timer, MaxRetryAfter: tt.maxAfter, MinWait: tt.minWait}
				ctx := context.Background()
				if tt.deadline > 0 {
					var cancel context.CancelFunc
					ctx, cancel = context.WithTimeout(ctx, tt.deadline)
					defer cancel()
				}
				_, err := p.Do(ctx, Request{Op: "shodan search", Method: http.MethodGet, URL: srv.URL})
				var le *LateRetryError
				if got := errors.As(err, &le); got != tt.late {
					t.Fatalf("error %v: a *LateRetryError %t, want %t", err, got, tt.late)
				}
				var he *HTTPError
				if !errors.As(err, &he) || he.Status != tt.status || he.RetryAfter != tt.wantAfter || !errors.Is(err, ErrRetriesExhausted) {
					t.Fatalf("error %v: want an *HTTPError of status %d, Retry-After %v, retries exhausted", err, tt.status, tt.wantAfter)
				}
				if !tt.late {
					if waits := timer.Waits(); len(waits) == 0 || waits[0] != tt.wantWait || srv.Len() != DefaultAttempts {
						t.Errorf("waits %v, %d requests; want a first wait of %v, %d requests", waits, srv.Len(), tt.wantWait, DefaultAttempts)
					}
					return
				}
				if errors.Is(err, context.DeadlineExceeded) || ctx.Err() != nil {
					t.Errorf("error %v, ctx %v: want neither the deadline's", err, ctx.Err())
				}
				if srv.Len() != 1 || he.Attempts != 1 || len(timer.Waits()) != 0 {
					t.Errorf("%d requests, %d attempts, waits %v; want 1, 1, none", srv.Len(), he.Attempts, timer.Waits())
				}
				if le.Wait != tt.wantWait || le.Left != tt.deadline {
					t.Errorf("wait %v left %v, want %v and %v", le.Wait, le.Left, tt.wantWait, tt.deadline)
				}
				if !strings.Contains(err.Error(), tt.wantText) {
					t.Errorf("error %q, want it to hold %q", err, tt.wantText)
				}
			})
		})
	}
}
