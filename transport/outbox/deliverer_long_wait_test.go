package outbox

import (
	"context"
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/injectkit/injectkit/internal/httpx"
	"github.com/injectkit/injectkit/internal/httpx/httpxtest"
	"github.com/injectkit/injectkit/runtime"
)

// A run's delivery (a Deliverer: run, serve) whose backend answers a 503
// or 429 asking, with its Retry-After, for more than the client waits (a
// backend in maintenance for an hour) keeps the body, stored before its
// first POST, at that answer: one request, no wait, due when the backend
// asked (capped at the longest backoff), as a flush and serve's resender
// keep theirs. It held a run 3 waits of 30 s (90 s) into the same answer
// before (t174, forty-sixth session). A wait the client makes is still
// made.
func TestDelivererStopsAtALongRetryAfter(t *testing.T) {
	now := time.Date(2026, 12, 6, 4, 0, 0, 0, time.UTC)
	tests := []struct {
		name         string
		status       int
		after        string
		wantRequests int
		wantWaits    int
		wantNext     time.Duration // of the body kept; 0: not checked
	}{
		{"503 asking an hour", http.StatusServiceUnavailable, "3600", 1, 0, MaxBackoff},
		{"429 asking an hour", http.StatusTooManyRequests, "3600", 1, 0, MaxBackoff},
		{"503 asking 31 s", http.StatusServiceUnavailable, "31", 1, 0, 31 * time.Second},
		{"503 asking the client's cap", http.StatusServiceUnavailable, "30", 4, 3, 0},
		{"503 asking nothing", http.StatusServiceUnavailable, "", 4, 3, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			be := retryAfterBackend(t, tt.status, tt.after, `{"error":"maintenance"}`)
			s := openTemp(t, Options{Now: func() time.Time { return now }})
			timer := &httpxtest.Timer{}
			poster := httpxPoster{p: httpx.Poster{Client: httpx.NewDefaultClient(), Timer: timer}, url: be.URL + "/callback"}
			e := completeEntry()
			e.BaseURL = be.URL
			d := &Deliverer{Store: s, Profile: oneBody{posterFunc: poster.PostBody, e: e}}
			err := d.Deliver(context.Background(), nil)
			var se *runtime.StoredError
			if !errors.As(err, &se) || se.Pending != 1 || se.Dead != 0 {
				t.Fatalf("error %v, want a *runtime.StoredError with 1 body pending", err)
			}
			var he *httpx.HTTPError
			if !errors.As(err, &he) || he.Status != tt.status {
				t.Errorf("error %v, want the backend's %d in it", err, tt.status)
			}
			if got := len(be.Requests()); got != tt.wantRequests || len(timer.Waits()) != tt.wantWaits {
				t.Errorf("%d requests, waits %v; want %d requests, %d waits", got, timer.Waits(), tt.wantRequests, tt.wantWaits)
			}
			recs, err := s.List()
			if err != nil || len(recs) != 1 {
				t.Fatalf("records %v (%v), want the one kept", recs, err)
			}
			r := recs[0]
			if r.State != Pending || r.Attempts != tt.wantRequests || r.LastStatus != tt.status {
				t.Errorf("body %s, %d attempts, last status %d; want pending, %d, %d", r.State, r.Attempts, r.LastStatus, tt.wantRequests, tt.status)
			}
			if tt.wantNext > 0 && !r.NextAttempt.Equal(now.Add(tt.wantNext)) {
				t.Errorf("body due in %s, want %s", r.NextAttempt.Sub(now), tt.wantNext)
			}
		})
	}
}
