package cli_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/injectkit/injectkit/openaev/openaevtest"
	"github.com/injectkit/injectkit/serve"
)

// While serve's first registration retries (the platform answering 503),
// /healthz says why already, through the openaev registrar's retry note
// (serve.NoteRetry), and names neither the platform's URL nor the token.
// The version read before the registration is part of it (README: "a
// registration, the version read before it included"): its failed
// attempts are noted too, not left as "starting" for the first try's
// seconds, then as failing without "(retrying)" while it retries.
func TestServeHealthWhileTheFirstRegistrationRetries(t *testing.T) {
	for _, tt := range []struct {
		name string
		fail func(p *openaevtest.Platform)
	}{
		{"the registration answered 503", func(p *openaevtest.Platform) { p.FailRegistration(http.StatusServiceUnavailable, 1000) }},
		{"the version read before it answered 503", func(p *openaevtest.Platform) { p.FailSettings(http.StatusServiceUnavailable, 1000) }},
	} {
		t.Run(tt.name, func(t *testing.T) {
			p := openaevtest.NewPlatform(t, serveToken)
			tt.fail(p)
			stderr, stop := serveRun(t, nil, "--openaev-url", p.URL, "--token", serveToken, "--injector-id", injectorID,
				"--listen-addr", "127.0.0.1:0", "--log-format", "json")
			defer stop()
			defer func() {
				if t.Failed() {
					t.Logf("stderr:\n%s", stderr)
				}
			}()
			var addr string
			waitUntil(t, "the listen address to be logged", func() bool {
				serving := jsonLogs(stderr.String(), "serving /healthz and /metrics")
				if len(serving) == 1 {
					addr, _ = serving[0]["addr"].(string)
				}
				return addr != ""
			})
			var body string
			var h serve.Health
			waitUntil(t, "/healthz to say the registration retries", func() bool {
				resp, err := http.Get("http://" + addr + "/healthz")
				if err != nil {
					return false
				}
				defer resp.Body.Close()
				b, _ := io.ReadAll(resp.Body)
				body = string(b)
				return json.Unmarshal(b, &h) == nil && strings.HasSuffix(h.Reason, "(retrying)")
			})
			if want := serve.ReasonRegistration + ": status 503 (retrying)"; h.Reason != want || h.Status == "ok" {
				t.Errorf("/healthz while the registration retries: %s; want the reason %q", body, want)
			}
			u, err := url.Parse(p.URL)
			if err != nil {
				t.Fatal(err)
			}
			for _, secret := range []string{serveToken, u.Host, u.Port()} {
				if strings.Contains(body, secret) {
					t.Errorf("/healthz names %q: %s", secret, body)
				}
			}
		})
	}
}
