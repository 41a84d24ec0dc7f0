package outbox

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/injectkit/injectkit/transport"
	"github.com/injectkit/injectkit/transport/transporttest"
)

// A body whose last answer asked for a wait (a 429 or a 503 with
// Retry-After) is not due again before that wait ends: a resender would
// otherwise knock again at a backend that said it is busy, at the pace of
// its backoff. The wait is capped by the longest backoff, as a wait the
// client makes between two attempts is capped.
func TestSendKeepsRetryAfter(t *testing.T) {
	now := time.Date(2026, 12, 4, 16, 0, 0, 0, time.UTC)
	tests := []struct {
		name   string
		status int
		after  string
		next   time.Duration
	}{
		{"429 longer than the backoff", http.StatusTooManyRequests, "120", 120 * time.Second},
		{"503 longer than the backoff", http.StatusServiceUnavailable, "90", 90 * time.Second},
		{"503 past the longest backoff", http.StatusServiceUnavailable, "100000", MaxBackoff},
		{"503 shorter than the backoff", http.StatusServiceUnavailable, "1", MinBackoff},
		{"503 without one", http.StatusServiceUnavailable, "", MinBackoff},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			be := transporttest.NewBackend(t)
			h := http.Header{}
			if tt.after != "" {
				h.Set("Retry-After", tt.after)
			}
			be.SetReply(transporttest.Reply{Status: tt.status, Header: h, Body: `{"error":"busy"}`})
			s := openTemp(t, Options{Now: func() time.Time { return now }})
			recs, err := s.Put(Entry{InjectID: "inj", Phase: "p", BaseURL: be.URL, Body: []byte(`{"phase":"p"}`)})
			if err != nil {
				t.Fatal(err)
			}
			c, err := transport.New(be.URL, transport.WithRetry(1, time.Millisecond))
			if err != nil {
				t.Fatal(err)
			}
			if out, err := s.Send(context.Background(), c, recs[0], 0); out != Failed || err == nil {
				t.Fatalf("Send = %s, %v; want failed, kept pending", out, err)
			}
			r, err := s.Get(recs[0].ID)
			if err != nil {
				t.Fatal(err)
			}
			if r.State != Pending || !r.NextAttempt.Equal(now.Add(tt.next)) {
				t.Errorf("record %s, next in %s; want pending, next in %s", r.State, r.NextAttempt.Sub(now), tt.next)
			}
		})
	}
}
