package cli_test

import (
	"net/http"
	"path/filepath"
	"strings"
	"testing"

	"github.com/injectkit/injectkit/internal/testkit"
)

// --insecure is said once per command, however many HTTP clients the
// command builds from it (the run checks its delivery before anything
// runs, then delivers; a flush builds one client per pass): one WARN line
// on stderr, whatever the profile and with or without an outbox.
func TestInsecureWarnedOncePerCommand(t *testing.T) {
	const warning = "tls certificate verification disabled"
	backend := testkit.NewBackend(t)
	down := newSwitchable(t, http.StatusServiceUnavailable)
	common := []string{"--target", "10.0.0.1", "--inject-id", "inj-insecure", "--token", "abcdefgh12", "--insecure"}
	tests := []struct {
		name string
		args func(t *testing.T) []string
		code int
	}{
		{"run, callback profile, outbox", func(t *testing.T) []string {
			return append([]string{"run", "noop", "--backend-url", backend.URL, "--outbox", filepath.Join(t.TempDir(), "o.db")}, common...)
		}, 0},
		{"run, callback profile, no outbox", func(*testing.T) []string {
			return append([]string{"run", "noop", "--backend-url", backend.URL, "--outbox", "none"}, common...)
		}, 0},
		{"run, openaev profile", func(*testing.T) []string {
			return append([]string{"run", "noop", "--profile", "openaev", "--backend-url", backend.URL, "--outbox", "none"}, common...)
		}, 0},
		{"validate", func(*testing.T) []string {
			return append([]string{"validate", "noop", "--backend-url", backend.URL}, common...)
		}, 0},
		{"outbox flush", func(t *testing.T) []string {
			box := filepath.Join(t.TempDir(), "o.db")
			if r := run(t, registry(), nil, append([]string{"run", "noop", "--backend-url", down.URL, "--outbox", box, "--log-level", "error"}, common...)...); r.code != 1 {
				t.Fatalf("run to a backend down: exit %d, want 1\n%s", r.code, r.stderr)
			}
			return []string{"outbox", "flush", "--outbox", box, "--backend-url", down.URL, "--token", "abcdefgh12", "--insecure"}
		}, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := run(t, registry(), nil, tt.args(t)...)
			if r.code != tt.code {
				t.Fatalf("exit %d, want %d\n%s", r.code, tt.code, r.stderr)
			}
			if n := strings.Count(r.stderr, warning); n != 1 {
				t.Errorf("%q said %d times, want once:\n%s", warning, n, r.stderr)
			}
		})
	}
}
