package transport

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/injectkit/injectkit/internal/httpx"
	"github.com/injectkit/injectkit/internal/latetest"
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
	latetest.Late{
		NewClient: httpx.NewDefaultClient,
		Do: func(ctx context.Context, url string, hc *http.Client, attempts int) error {
			c, err := New(url, WithHTTPClient(hc), WithRetry(attempts, time.Second))
			if err != nil {
				return err
			}
			return c.PostBody(ctx, "inj", 0, []byte(`{"phase":"execution_complete"}`))
		},
		As:        new(*TransmissionError),
		Exhausted: ErrRetriesExhausted,
	}.Run(t, []latetest.Case{
		{Name: "503 asking 100s, 5s left", Status: http.StatusServiceUnavailable, RetryAfter: "100", Deadline: 5 * time.Second, Attempts: 4,
			Want: `callback failed after 1 attempt: status 503: "busy"; the backend asked to retry in 100s (Retry-After, capped to 30s), more than the 5s left before the deadline: not retried`},
		{Name: "429 asking an hour, capped wait past the deadline", Status: http.StatusTooManyRequests, RetryAfter: "3600", Deadline: 20 * time.Second, Attempts: 4,
			Want: `callback failed after 1 attempt: status 429: "busy"; the backend asked to retry in 3600s (Retry-After, capped to 30s), more than the 20s left before the deadline: not retried`},
		{Name: "no retry left to wait for", Status: http.StatusServiceUnavailable, RetryAfter: "100", Deadline: 5 * time.Second, Attempts: 1,
			Want: `callback failed after 1 attempt: status 503: "busy"`},
	})
}
