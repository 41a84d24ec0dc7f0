package openaev_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/injectkit/injectkit/internal/httpx"
	"github.com/injectkit/injectkit/openaev"
)

// The platform client honours Retry-After, as the callback client does.
func TestClientHonoursRetryAfter(t *testing.T) {
	for _, status := range []int{http.StatusTooManyRequests, http.StatusServiceUnavailable} {
		t.Run(http.StatusText(status), func(t *testing.T) {
			var n atomic.Int32
			s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
				if n.Add(1) == 1 {
					w.Header().Set("Retry-After", "0")
					w.WriteHeader(status)
					return
				}
				w.WriteHeader(http.StatusOK)
			}))
			t.Cleanup(s.Close)
			// The backoff alone would wait an hour: only Retry-After lets the
			// retry happen before the deadline.
			c, err := openaev.NewClient(openaev.Config{URL: s.URL, Token: testToken}, openaev.WithRetry(2, time.Hour))
			if err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			if err := c.Reception(ctx, "i"); err != nil || n.Load() != 2 {
				t.Fatalf("Reception = %v after %d requests, want success after 2", err, n.Load())
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
		var n atomic.Int32
		s := echoServer(t, tt.status, &n)
		c, err := openaev.NewClient(openaev.Config{URL: s.URL, Token: testToken}, openaev.WithRetry(2, time.Millisecond))
		if err != nil {
			t.Fatal(err)
		}
		err = c.Reception(context.Background(), "i")
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
