package openaev_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/injectkit/injectkit/internal/httpx"
	"github.com/injectkit/injectkit/openaev"
	"github.com/injectkit/injectkit/transport/transporttest/recorder"
)

// A platform request whose answer asks, with a 429's or 503's
// Retry-After, for a wait its deadline leaves no room for (serve's
// registration has 30 s) fails at that answer, and its error says the
// wait asked and the time left once, after the status: the poster's
// *httpx.LateRetryError's reason, which the *APIError rebuilt from the
// answer's *HTTPError lost before ("registration failed after 1 attempt:
// status 503: …" alone, and serve retried in 0.5 s). The last attempt's
// answer, no retry left to wait for, says nothing of it. synctest's
// clock: the time left is exact.
func TestRequestSaysTheWaitTheDeadlineLeftNoRoomFor(t *testing.T) {
	tests := []struct {
		name       string
		status     int
		retryAfter string
		deadline   time.Duration
		attempts   int
		want       string // the whole error
	}{
		{"503 asking 60s, 30s left", http.StatusServiceUnavailable, "60", 30 * time.Second, 4,
			`reception failed after 1 attempt: status 503: "busy"; the platform asked to retry in 60s (Retry-After, capped to 30s), more than the 30s left before the deadline: not retried`},
		{"429 asking 20s, 10s left", http.StatusTooManyRequests, "20", 10 * time.Second, 4,
			`reception failed after 1 attempt: status 429: "busy"; the platform asked to retry in 20s (Retry-After), more than the 10s left before the deadline: not retried`},
		{"no retry left to wait for", http.StatusServiceUnavailable, "60", 30 * time.Second, 1,
			`reception failed after 1 attempt: status 503: "busy"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			be := recorder.NewScripted(t)
			be.SetReply(recorder.Reply{Status: tt.status, Body: "busy", Header: http.Header{"Retry-After": {tt.retryAfter}}})
			synctest.Test(t, func(t *testing.T) {
				hc := httpx.NewDefaultClient()
				defer hc.CloseIdleConnections() // its connection's goroutines end in the bubble
				c, err := openaev.NewClient(openaev.Config{URL: be.URL, InjectorID: testInjectorID},
					openaev.WithHTTPClient(hc), openaev.WithRetry(tt.attempts, time.Second))
				if err != nil {
					t.Fatal(err)
				}
				ctx, cancel := context.WithTimeout(context.Background(), tt.deadline)
				defer cancel()
				_, err = c.Reception(ctx, "inj-1")
				var ae *openaev.APIError
				if !errors.As(err, &ae) || !errors.Is(err, openaev.ErrRetriesExhausted) {
					t.Fatalf("error %v, want an *APIError, retries exhausted", err)
				}
				if err.Error() != tt.want {
					t.Errorf("error\n%s\nwant\n%s", err, tt.want)
				}
				if n := strings.Count(err.Error(), "asked to retry"); n > 1 {
					t.Errorf("the wait asked said %d times: %s", n, err)
				}
			})
		})
	}
}
