package openaev_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/injectkit/injectkit/internal/httpx"
	"github.com/injectkit/injectkit/internal/latetest"
	"github.com/injectkit/injectkit/openaev"
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
	latetest.Late{
		NewClient: httpx.NewDefaultClient,
		Do: func(ctx context.Context, url string, hc *http.Client, attempts int) error {
			c, err := openaev.NewClient(openaev.Config{URL: url, InjectorID: testInjectorID},
				openaev.WithHTTPClient(hc), openaev.WithRetry(attempts, time.Second))
			if err != nil {
				return err
			}
			_, err = c.Reception(ctx, "inj-1")
			return err
		},
		As:        new(*openaev.APIError),
		Exhausted: openaev.ErrRetriesExhausted,
	}.Run(t, []latetest.Case{
		{Name: "503 asking 60s, 30s left", Status: http.StatusServiceUnavailable, RetryAfter: "60", Deadline: 30 * time.Second, Attempts: 4,
			Want: `reception failed after 1 attempt: status 503: "busy"; the platform asked to retry in 60s (Retry-After, capped to 30s), more than the 30s left before the deadline: not retried`},
		{Name: "429 asking 20s, 10s left", Status: http.StatusTooManyRequests, RetryAfter: "20", Deadline: 10 * time.Second, Attempts: 4,
			Want: `reception failed after 1 attempt: status 429: "busy"; the platform asked to retry in 20s (Retry-After), more than the 10s left before the deadline: not retried`},
		{Name: "no retry left to wait for", Status: http.StatusServiceUnavailable, RetryAfter: "60", Deadline: 30 * time.Second, Attempts: 1,
			Want: `reception failed after 1 attempt: status 503: "busy"`},
	})
}
