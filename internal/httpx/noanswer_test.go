package httpx

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/injectkit/injectkit/internal/httpx/httpxtest"
)

// t67: an attempt its timeout cuts short, before the answer or while its
// body is read, says "no answer within" the limit, never the "context
// deadline exceeded" that reads as the run's own --timeout; it stays a
// timeout (errors.Is context.DeadlineExceeded, a net.Error timing out)
// and is retried.
func TestPosterNoAnswer(t *testing.T) {
	tests := []struct {
		name    string
		partial bool // headers and part of the body sent, then nothing
	}{
		{"no answer", false},
		{"reply cut short", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			done := make(chan struct{})
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				_, _ = io.Copy(io.Discard, r.Body)
				if tt.partial {
					w.Header().Set("Content-Length", "100")
					w.WriteHeader(http.StatusOK)
					_, _ = w.Write([]byte("{"))
					w.(http.Flusher).Flush()
				}
				select { // hangs until the client leaves, or the test ends
				case <-r.Context().Done():
				case <-done:
				}
			}))
			t.Cleanup(srv.Close)
			t.Cleanup(func() { close(done) }) // before srv.Close
			p := Poster{Client: NewDefaultClient(), Timer: &httpxtest.Timer{}, Attempts: 2, Timeout: 20 * time.Millisecond}
			_, err := p.Do(context.Background(), Request{Op: "callback", URL: srv.URL + "/x", Body: []byte(`{}`)})
			var he *HTTPError
			if !errors.As(err, &he) || he.Attempts != 2 || !errors.Is(err, ErrRetriesExhausted) {
				t.Fatalf("Do = %v, want both attempts made, retries exhausted", err)
			}
			msg := err.Error()
			if !strings.Contains(msg, "no answer within 20ms (the limit of one attempt, its reply included)") ||
				strings.Contains(msg, "deadline exceeded") {
				t.Errorf("error %q, want it to say no answer came within 20ms", msg)
			}
			var ne net.Error
			if !errors.Is(err, context.DeadlineExceeded) || !errors.As(err, &ne) || !ne.Timeout() {
				t.Errorf("error %#v is no longer a timeout", err)
			}
		})
	}
}
