package cli_test

import (
	"net/http"
	"path/filepath"
	"strings"
	"testing"

	"github.com/injectkit/injectkit/internal/httpx"
	"github.com/injectkit/injectkit/internal/testkit"
)

// --insecure is said once per command, however many HTTP clients the
// command builds from it (the run checks its delivery before anything
// runs, then delivers; a flush builds one client per pass): with an
// https:// backend, one WARN line on stderr that verification is off,
// whatever the profile and with or without an outbox. With a plain
// http:// backend there is no TLS to verify: no such WARN (it warned all
// the same), one INFO line saying the setting has no effect.
func TestInsecureWarnedOncePerCommand(t *testing.T) {
	backends := map[string]struct{ up, down *testkit.Backend }{
		"https": {testkit.NewTLSBackend(t), testkit.NewTLSBackend(t)},
		"http":  {testkit.NewBackend(t), testkit.NewBackend(t)},
	}
	for _, b := range backends {
		b.down.SetReply(testkit.Reply{Status: http.StatusServiceUnavailable, Header: http.Header{"Retry-After": {"0"}}})
	}
	common := []string{"--target", "10.0.0.1", "--inject-id", "inj-insecure", "--token", "abcdefgh12", "--insecure"}
	tests := []struct {
		name string
		args func(t *testing.T, up, down string) []string
		code int
	}{
		{"run, callback profile, outbox", func(t *testing.T, up, _ string) []string {
			return append([]string{"run", "noop", "--backend-url", up, "--outbox", filepath.Join(t.TempDir(), "o.db")}, common...)
		}, 0},
		{"run, callback profile, no outbox", func(_ *testing.T, up, _ string) []string {
			return append([]string{"run", "noop", "--backend-url", up, "--outbox", "none"}, common...)
		}, 0},
		{"run, openaev profile", func(_ *testing.T, up, _ string) []string {
			return append([]string{"run", "noop", "--profile", "openaev", "--backend-url", up, "--outbox", "none"}, common...)
		}, 0},
		{"validate", func(_ *testing.T, up, _ string) []string {
			return append([]string{"validate", "noop", "--backend-url", up}, common...)
		}, 0},
		{"outbox flush", func(t *testing.T, _, down string) []string {
			box := filepath.Join(t.TempDir(), "o.db")
			if r := run(t, registry(), nil, append([]string{"run", "noop", "--backend-url", down, "--outbox", box, "--log-level", "error"}, common...)...); r.code != 1 {
				t.Fatalf("run to a backend down: exit %d, want 1\n%s", r.code, r.stderr)
			}
			return []string{"outbox", "flush", "--outbox", box, "--backend-url", down, "--token", "abcdefgh12", "--insecure"}
		}, 1},
	}
	for scheme, b := range backends {
		for _, tt := range tests {
			t.Run(scheme+"/"+tt.name, func(t *testing.T) {
				r := run(t, registry(), nil, tt.args(t, b.up.URL, b.down.URL)...)
				if r.code != tt.code {
					t.Fatalf("exit %d, want %d\n%s", r.code, tt.code, r.stderr)
				}
				said, unsaid := httpx.InsecureWarning, httpx.InsecureMoot
				if scheme == "http" {
					said, unsaid = unsaid, said
				}
				if n := strings.Count(r.stderr, said); n != 1 || strings.Contains(r.stderr, unsaid) {
					t.Errorf("%q said %d times, want once, and %q never:\n%s", said, n, unsaid, r.stderr)
				}
				if scheme == "https" && !strings.Contains(r.stderr, "WARN\t"+said) {
					t.Errorf("%q not a WARN:\n%s", said, r.stderr)
				}
			})
		}
	}
}
