package serve

import (
	"context"
	"encoding/base64"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/injectkit/injectkit/internal/httpx"
)

// /healthz is redacted of the daemon's secrets as its log is: a failed
// registration's reason quotes the innermost cause of the request
// (APIError.HealthReason, "no response: "+cause), which may hold the
// token in any form the redactor knows.
func TestHealthzRedactsTheDaemonsSecrets(t *testing.T) {
	const token = "tok-S3cret-0123456789"
	tests := []struct {
		name  string
		cause string
	}{
		{"raw", "no response: lookup " + token + ": no such host"},
		{"base64", "no response: proxy said Basic " + base64.StdEncoding.EncodeToString([]byte("u:"+token))},
		{"percent-encoded", "no response: parse \"http://127.0.0.1/" + url.PathEscape(token+"/x") + "\""},
		{"JSON-escaped", `no response: body {"token":"tok-S3cret\u002d0123456789"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			r := newRunner(&Daemon{Registrar: &scriptedRegistrar{errs: []error{statusError{tt.cause}}},
				Listener: ln, Secrets: []string{token}})
			if _, err := r.register(context.Background(), "registration"); err == nil {
				t.Fatal("the registration succeeded")
			}
			if h := r.health(); !strings.Contains(h.Reason, tt.cause) {
				t.Fatalf("reason %q does not quote the cause: the test proves nothing", h.Reason)
			}
			stop, err := r.serveHTTP()
			if err != nil {
				t.Fatal(err)
			}
			defer stop()
			for _, path := range []string{"/healthz", "/metrics"} {
				resp, err := http.Get("http://" + ln.Addr().String() + path)
				if err != nil {
					t.Fatal(err)
				}
				body, err := io.ReadAll(resp.Body)
				resp.Body.Close()
				if err != nil {
					t.Fatal(err)
				}
				if httpx.Redact(string(body), token) != string(body) { // a form of it is there
					t.Errorf("%s (%d) shows the token:\n%s", path, resp.StatusCode, body)
				}
				if path == "/healthz" && (resp.StatusCode != http.StatusServiceUnavailable || !strings.Contains(string(body), "[REDACTED]")) {
					t.Errorf("/healthz: %d %s, want 503 with the cause redacted", resp.StatusCode, body)
				}
			}
		})
	}
}
