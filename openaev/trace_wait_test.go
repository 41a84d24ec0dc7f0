package openaev_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/injectkit/injectkit/internal/httpx"
	"github.com/injectkit/injectkit/internal/latetest"
	"github.com/injectkit/injectkit/openaev"
)

// A trace the platform answers 503 asking, with its Retry-After, for more
// than a retry waits (a platform in maintenance for an hour) ends at that
// answer: one request, the error saying the wait asked; it held a run 3
// waits of 30 s before its injector started (t174, forty-sixth session).
// A trace asking no more, and a terminal callback whatever it asks (the
// outbox, which keeps it, ends its attempts itself), are retried as
// before. synctest's clock: the waits made pass at once; connections are
// not kept alive, so that none blocks the bubble while it waits.
func TestTraceEndsAtALongRetryAfter(t *testing.T) {
	tests := []struct {
		name         string
		action       string
		retryAfter   string
		wantRequests int
		wantText     string // in the error
	}{
		{"a trace asked an hour", openaev.ActionCommandExecution, "3600", 1,
			`trace failed after 1 attempt: status 503: "busy"; the platform asked to retry in 1h0m0s (Retry-After): not retried, a trace is kept nowhere`},
		{"a trace asked 30 s", openaev.ActionCommandExecution, "30", 4, `trace failed after 4 attempts: status 503: "busy"`},
		{"a complete asked an hour", openaev.ActionComplete, "3600", 4, `complete failed after 4 attempts: status 503: "busy"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			be := latetest.Busy(t, http.StatusServiceUnavailable, tt.retryAfter)
			latetest.InBubble(t, noKeepAlive, func(t *testing.T, hc *http.Client) {
				c, err := openaev.NewClient(openaev.Config{URL: be.URL, InjectorID: testInjectorID}, openaev.WithHTTPClient(hc))
				if err != nil {
					t.Fatal(err)
				}
				err = c.Callback(context.Background(), "inj-1", openaev.Execution{Message: "m", Status: openaev.StatusInfo, Action: tt.action})
				if !errors.Is(err, openaev.ErrRetriesExhausted) || !strings.Contains(err.Error(), tt.wantText) {
					t.Errorf("error %v, want retries exhausted, saying %q", err, tt.wantText)
				}
				if n := be.Len(); n != tt.wantRequests {
					t.Errorf("%d requests, want %d", n, tt.wantRequests)
				}
			})
		})
	}
}

// noKeepAlive is the default client, its connections not kept alive.
func noKeepAlive() *http.Client {
	hc := httpx.NewDefaultClient()
	httpx.Transport(hc).DisableKeepAlives = true
	return hc
}
