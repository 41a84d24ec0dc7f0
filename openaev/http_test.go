package openaev_test

import (
	"context"
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/injectkit/injectkit/internal/httpx"
	"github.com/injectkit/injectkit/internal/testkit"
	"github.com/injectkit/injectkit/openaev"
)

// The platform client honours Retry-After, as the callback client does.
func TestClientHonoursRetryAfter(t *testing.T) {
	for _, status := range []int{http.StatusTooManyRequests, http.StatusServiceUnavailable} {
		t.Run(http.StatusText(status), func(t *testing.T) {
			t.Parallel()
			// 1 s, the least a Retry-After asks for: 0 asks for no wait,
			// and the backoff step applies.
			s := testkit.NewScriptedBackend(t, testkit.Reply{Status: status, Header: http.Header{"Retry-After": {"1"}}})
			// The backoff alone would wait an hour: only Retry-After lets the
			// retry happen before the deadline.
			c, err := openaev.NewClient(openaev.Config{URL: s.URL, Token: testToken}, openaev.WithRetry(2, time.Hour))
			if err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			if _, err := c.Reception(ctx, "i"); err != nil || s.Len() != 2 {
				t.Fatalf("Reception = %v after %d requests, want success after 2", err, s.Len())
			}
		})
	}
}

// An *APIError carries the *httpx.HTTPError and the one permanent marker.
func TestAPIErrorUnwrapsToHTTPError(t *testing.T) {
	tests := []struct {
		status               int
		permanent, exhausted bool
	}{
		{http.StatusBadRequest, true, false},
		{http.StatusInternalServerError, false, true},
	}
	for _, tt := range tests {
		s := echoServer(t, tt.status)
		c, err := openaev.NewClient(openaev.Config{URL: s.URL, Token: testToken}, openaev.WithRetry(2, time.Millisecond))
		if err != nil {
			t.Fatal(err)
		}
		_, err = c.Reception(context.Background(), "i")
		var he *httpx.HTTPError
		if !errors.As(err, &he) || he.Status != tt.status || he.Op != "reception" {
			t.Fatalf("error = %v, want an *httpx.HTTPError with status %d in its chain", err, tt.status)
		}
		if errors.Is(err, httpx.ErrPermanent) != tt.permanent || errors.Is(err, httpx.ErrRetriesExhausted) != tt.exhausted {
			t.Errorf("status %d: httpx permanent %v exhausted %v", tt.status, errors.Is(err, httpx.ErrPermanent),
				errors.Is(err, httpx.ErrRetriesExhausted))
		}
	}
}
