package outbox

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/injectkit/injectkit/transport/transporttest"
)

// A 3xx keeps the body pending (nothing lost), its last error naming
// where the backend pointed; a 301 or 308 (moved for good: the URL is at
// fault) puts its next attempt the longest backoff away, not at the pace
// of a backend that is down.
func TestSendRedirect(t *testing.T) {
	now := time.Date(2026, 12, 2, 20, 0, 0, 0, time.UTC)
	tests := []struct {
		status int
		next   time.Duration
		word   string
	}{
		{http.StatusMovedPermanently, MaxBackoff, "for good"},
		{http.StatusPermanentRedirect, MaxBackoff, "for good"},
		{http.StatusFound, MinBackoff, "a later try may get an answer"},
		{http.StatusTemporaryRedirect, MinBackoff, "a later try may get an answer"},
	}
	for _, tt := range tests {
		t.Run(http.StatusText(tt.status), func(t *testing.T) {
			be := newSink(t, tt.status)
			be.SetReply(transporttest.Reply{Status: tt.status, Header: http.Header{"Location": {"https://127.0.0.1:1/api"}}})
			s := openTemp(t, Options{Now: func() time.Time { return now }})
			recs, err := s.Put(Entry{InjectID: "inj", Phase: "p", BaseURL: be.URL, Body: []byte(`{"phase":"p"}`)})
			if err != nil {
				t.Fatal(err)
			}
			c, _ := clientFor(t)(be.URL)
			if out, err := s.Send(context.Background(), c, recs[0], 0); out != Failed || err == nil {
				t.Fatalf("Send = %s, %v; want failed, kept pending", out, err)
			}
			r, err := s.Get(recs[0].ID)
			if err != nil {
				t.Fatal(err)
			}
			if r.State != Pending || r.Attempts != 1 || !r.NextAttempt.Equal(now.Add(tt.next)) {
				t.Errorf("record %s, %d attempts, next in %s; want pending, 1 attempt, next in %s",
					r.State, r.Attempts, r.NextAttempt.Sub(now), tt.next)
			}
			if !strings.Contains(r.LastError, "redirected to https://127.0.0.1:1/api") || !strings.Contains(r.LastError, tt.word) {
				t.Errorf("last error %q, want where it pointed and %q", r.LastError, tt.word)
			}
		})
	}
}
