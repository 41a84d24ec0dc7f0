package transport

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/injectkit/injectkit/internal/httpx"
	"github.com/injectkit/injectkit/transport/transporttest/recorder"
)

// A callback whose backend asks, with a 429's or 503's Retry-After, for a
// wait its deadline leaves no room for fails at that answer, and its
// error says the wait asked and the time left once, after the status: the
// poster's *httpx.LateRetryError's reason, which the *TransmissionError
// rebuilt from the answer's *HTTPError lost before ("callback failed after
// 1 attempt: status 503: …" alone). The last attempt's answer, no retry
// left to wait for, says nothing of it. synctest's clock: the time left
// is exact.
func TestPostSaysTheWaitTheDeadlineLeftNoRoomFor(t *testing.T) {
	tests := []struct {
		name       string
		status     int
		retryAfter string
		deadline   time.Duration
		attempts   int
		want       string // the whole error
	}{
		{"503 asking 100s, 5s left", http.StatusServiceUnavailable, "100", 5 * time.Second, 4,
			`callback failed after 1 attempt: status 503: "busy"; the backend asked to retry in 100s (Retry-After, capped to 30s), more than the 5s left before the deadline: not retried`},
		{"429 asking an hour, capped wait past the deadline", http.StatusTooManyRequests, "3600", 20 * time.Second, 4,
			`callback failed after 1 attempt: status 429: "busy"; the backend asked to retry in 3600s (Retry-After, capped to 30s), more than the 20s left before the deadline: not retried`},
		{"no retry left to wait for", http.StatusServiceUnavailable, "100", 5 * time.Second, 1,
			`callback failed after 1 attempt: status 503: "busy"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			be := recorder.NewScripted(t)
			be.SetReply(recorder.Reply{Status: tt.status, Body: "busy", Header: http.Header{"Retry-After": {tt.retryAfter}}})
			synctest.Test(t, func(t *testing.T) {
				hc := httpx.NewDefaultClient()
				defer hc.CloseIdleConnections() // its connection's goroutines end in the bubble
				c, err := New(be.URL, WithHTTPClient(hc), WithRetry(tt.attempts, time.Second))
				if err != nil {
					t.Fatal(err)
				}
				ctx, cancel := context.WithTimeout(context.Background(), tt.deadline)
				defer cancel()
				err = c.PostBody(ctx, "inj", 0, []byte(`{"phase":"execution_complete"}`))
				var te *TransmissionError
				if !errors.As(err, &te) || !errors.Is(err, ErrRetriesExhausted) {
					t.Fatalf("error %v, want a *TransmissionError, retries exhausted", err)
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
