package outbox

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/injectkit/injectkit/internal/httpx"
	"github.com/injectkit/injectkit/internal/httpx/httpxtest"
)

// httpxPoster posts each body to URL with an httpx.Poster whose waits
// fire at once: what the backend asked is counted, never waited.
type httpxPoster struct {
	p   httpx.Poster
	url string
}

func (h httpxPoster) PostBody(ctx context.Context, _ string, _ int, body []byte) error {
	_, err := h.p.Do(ctx, httpx.Request{URL: h.url, Body: body})
	return err
}

// A flush meeting a 503 or 429 whose Retry-After asks more than the
// client waits (a backend in maintenance for an hour) stops there: that
// body is tried once, kept, due when the backend asked (capped at
// MaxBackoff), and its backend's other bodies are not tried; where the
// wait asked is one the client makes, the body gets its retries, as
// before (h232: 220 bodies against `503 Retry-After: 3600` held a flush
// 91 s, 3 waits of 30 s for one body, to leave all of them pending).
func TestFlushStopsAtALongRetryAfter(t *testing.T) {
	now := time.Date(2026, 12, 5, 16, 0, 0, 0, time.UTC)
	tests := []struct {
		name         string
		status       int
		after        string
		wantRequests int
		wantWaits    int
		wantNext     time.Duration // of the body tried; 0: not checked
		wantAsked    time.Duration // FlushResult.AskedWait
	}{
		{"503 asking an hour", http.StatusServiceUnavailable, "3600", 1, 0, MaxBackoff, time.Hour},
		{"429 asking an hour", http.StatusTooManyRequests, "3600", 1, 0, MaxBackoff, time.Hour},
		{"503 asking 31 s", http.StatusServiceUnavailable, "31", 1, 0, 31 * time.Second, 31 * time.Second},
		{"503 asking the client's cap", http.StatusServiceUnavailable, "30", 4, 3, 0, 30 * time.Second},
		{"503 asking nothing", http.StatusServiceUnavailable, "", 4, 3, 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			be := retryAfterBackend(t, tt.status, tt.after, `{"error":"maintenance"}`)
			s := openTemp(t, Options{Now: func() time.Time { return now }})
			for _, inj := range []string{"a", "b", "c"} {
				recs, err := s.Put(Entry{InjectID: inj, Phase: "p", BaseURL: be.URL, Body: []byte(`{"phase":"p"}`)})
				if err != nil {
					t.Fatal(err)
				}
				// Put, its send failed: pending, owned by nobody.
				if err := s.MarkFailed(recs[0].ID, 0, "", now); err != nil {
					t.Fatal(err)
				}
			}
			timer := &httpxtest.Timer{}
			poster := httpxPoster{p: httpx.Poster{Client: httpx.NewDefaultClient(), Timer: timer}, url: be.URL + "/callback"}
			rs := &Resender{Store: s, Client: func(string) (Poster, error) { return poster, nil }}
			res, err := rs.Flush(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			if got := len(be.Requests()); got != tt.wantRequests || len(timer.Waits()) != tt.wantWaits {
				t.Errorf("%d requests, waits %v; want %d requests, %d waits", got, timer.Waits(), tt.wantRequests, tt.wantWaits)
			}
			if res.Failed != 3 || res.Untried != 2 || res.Delivered != 0 || res.AskedWait != tt.wantAsked {
				t.Errorf("flush %+v; want 3 failed, 2 of them untried, a wait of %s asked", res, tt.wantAsked)
			}
			recs, err := s.List()
			if err != nil {
				t.Fatal(err)
			}
			first := recs[0]
			if first.State != Pending || first.Attempts != tt.wantRequests || first.LastStatus != tt.status {
				t.Errorf("first body %s, %d attempts, last status %d; want pending, %d, %d", first.State, first.Attempts, first.LastStatus,
					tt.wantRequests, tt.status)
			}
			if tt.wantNext > 0 && !first.NextAttempt.Equal(now.Add(tt.wantNext)) {
				t.Errorf("first body due in %s, want %s", first.NextAttempt.Sub(now), tt.wantNext)
			}
		})
	}
}

// Add keeps the longest wait a backend asked of two flushes (the two
// profiles' passes of one `outbox flush`).
func TestFlushResultAddKeepsTheLongestWaitAsked(t *testing.T) {
	for _, tt := range []struct{ a, b, want time.Duration }{
		{0, 0, 0}, {time.Hour, 0, time.Hour}, {0, time.Minute, time.Minute}, {time.Minute, time.Hour, time.Hour}, {time.Hour, time.Minute, time.Hour},
	} {
		res := FlushResult{AskedWait: tt.a}
		res.Add(FlushResult{AskedWait: tt.b})
		if res.AskedWait != tt.want {
			t.Errorf("%s added to %s: %s, want %s", tt.b, tt.a, res.AskedWait, tt.want)
		}
	}
}
