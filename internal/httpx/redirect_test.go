package httpx

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/injectkit/injectkit/internal/httpx/httpxtest"
	"github.com/injectkit/injectkit/internal/testkit"
)

// A 3xx is sent once and reported with where it pointed, shown without
// credentials or query values, and whether a later try may succeed: a
// 301 or 308 promises none.
func TestPosterRedirect(t *testing.T) {
	const secret = "s3cr3t-Redirect"
	tests := []struct {
		status   int
		location string
		want     []string
		not      []string
	}{
		{301, "https://user:pw@example.test/api?token=" + secret,
			[]string{"callback failed: status 301: redirected to https://example.test/api?token=REDACTED for good",
				"redirects are not followed: fix the URL, for example http:// to https://"},
			[]string{"pw@", secret, "later try"}},
		{308, "https://example.test/x", []string{"status 308: redirected to https://example.test/x for good"}, []string{"later try"}},
		{302, "/elsewhere", []string{"status 302: redirected to http://127.0.0.1:", "/elsewhere;", "a later try may get an answer"},
			[]string{"for good"}},
		{307, "", []string{"status 307: redirected with no Location;"}, nil},
	}
	for _, tt := range tests {
		t.Run(http.StatusText(tt.status), func(t *testing.T) {
			h := http.Header{}
			if tt.location != "" {
				h.Set("Location", tt.location)
			}
			srv := newServer(t, testkit.Reply{Status: tt.status, Header: h, Body: "<html>moved</html>"})
			p := Poster{Client: NewDefaultClient(), Timer: &httpxtest.Timer{}, Secrets: []string{secret}}
			_, err := p.Do(context.Background(), Request{Op: "callback", URL: srv.URL + "/x", Body: []byte(`{}`)})
			var he *HTTPError
			if !errors.As(err, &he) || he.Attempts != 1 || he.Permanent() || he.Exhausted {
				t.Fatalf("Do = %#v, want one attempt, neither permanent nor exhausted", err)
			}
			if PermanentRedirect(tt.status) != (tt.status == 301 || tt.status == 308) {
				t.Errorf("PermanentRedirect(%d) wrong", tt.status)
			}
			msg := err.Error()
			for _, w := range tt.want {
				if !strings.Contains(msg, w) {
					t.Errorf("error %q lacks %q", msg, w)
				}
			}
			for _, n := range append(tt.not, "<html>", "rejected") {
				if strings.Contains(msg, n) {
					t.Errorf("error %q holds %q", msg, n)
				}
			}
			if len(srv.Requests()) != 1 {
				t.Errorf("%d requests, want 1 (the redirect not followed)", len(srv.Requests()))
			}
		})
	}
}
