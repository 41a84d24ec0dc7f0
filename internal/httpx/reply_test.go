package httpx

import (
	"context"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/injectkit/injectkit/internal/httpx/httpxtest"
	"github.com/injectkit/injectkit/internal/testkit"
)

// TestPosterDecode: a Request's Decode reads a 2xx body as it arrives,
// within MaxReply: a longer body fails as it does without Decode, not
// retried, even when Decode then returns an error of its own; a body cut
// short is an unreadable reply, retried, Decode then called afresh;
// Decode's own error ends Do as it is, not retried.
func TestPosterDecode(t *testing.T) {
	cut := cutReply(t, "start")
	errRefused := errors.New("not a page")
	tests := []struct {
		name      string
		url       string
		refuse    error  // Decode's error once it read the body, in place of the read's
		wantErr   string // "" for none
		wantCalls int    // calls of Decode
		wantRead  string // what the last call read
		attempts  int
	}{
		{"read as it arrives", newServer(t, testkit.Reply{Status: 200, Body: strings.Repeat("x", 99)}).URL,
			nil, "", 1, strings.Repeat("x", 99), 1},
		{"longer than MaxReply", newServer(t, testkit.Reply{Status: 200, Body: strings.Repeat("x", 100)}).URL,
			nil, "search failed: status 200: reply larger than 99 bytes", 1, strings.Repeat("x", 99), 1},
		{"longer than MaxReply, Decode failing on it", newServer(t, testkit.Reply{Status: 200, Body: strings.Repeat("x", 100)}).URL,
			errRefused, "search failed: status 200: reply larger than 99 bytes", 1, strings.Repeat("x", 99), 1},
		{"cut short", cut.URL, nil, "search failed after 2 attempts: read reply: unexpected EOF", 2, "start", 2},
		{"refused by Decode", newServer(t, testkit.Reply{Status: 201, Body: "{}"}).URL, errRefused, "not a page", 1, "{}", 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := Poster{Client: NewDefaultClient(), MaxReply: 99, Attempts: 2, Backoff: Exponential(0, 0), Timer: &httpxtest.Timer{}}
			calls, read := 0, ""
			rep, err := p.Do(context.Background(), Request{Op: "search", URL: tt.url, Decode: func(status int, body io.Reader) error {
				calls++
				b, err := io.ReadAll(body)
				read = string(b)
				if tt.refuse != nil { // its own error, whatever the read's
					return tt.refuse
				}
				return err
			}})
			switch {
			case tt.wantErr == "" && (err != nil || rep.Body != nil || rep.Status != 200):
				t.Fatalf("Do = %+v, %v; want a 200 without a Body", rep, err)
			case tt.wantErr != "" && (err == nil || err.Error() != tt.wantErr):
				t.Fatalf("error = %v, want %q", err, tt.wantErr)
			case tt.refuse != nil && tt.wantErr == tt.refuse.Error() && err != tt.refuse:
				t.Errorf("error = %#v, want Decode's as it is", err)
			}
			if calls != tt.wantCalls || read != tt.wantRead || rep.Attempts != tt.attempts {
				t.Errorf("Decode called %d times, last read %q, %d attempts; want %d, %q, %d",
					calls, read, rep.Attempts, tt.wantCalls, tt.wantRead, tt.attempts)
			}
		})
	}
}
