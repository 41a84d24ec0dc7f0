package cli_test

import (
	"net/http"
	"path/filepath"
	"strings"
	"testing"

	"github.com/injectkit/injectkit/transport/transporttest"
)

// A 401 from a backend, or a platform's 401 (its first answer, the
// version read: a run stops there), given no token at all, says
// that no token was given, and where to give one, not that it refused
// the token: run with either profile, and a flush. With a token given,
// the line still says the token was refused.
func TestUnauthorizedWithoutATokenSaysNoneWasGiven(t *testing.T) {
	t.Parallel()
	const id = "inj-tokenless"
	backend := transporttest.NewScriptedBackend(t)
	backend.SetReply(transporttest.Reply{Status: http.StatusUnauthorized})
	platform := noopPlatform(t, id)
	tests := []struct {
		name  string
		token string
		args  func(t *testing.T) []string
		code  int
		want  string
	}{
		{"callback profile", "", func(t *testing.T) []string {
			return []string{"run", "noop", "--backend-url", backend.URL, "--outbox", filepath.Join(t.TempDir(), "o.db")}
		}, 1, "delivery failed: the backend refused a request without a token (401 or 403): no token was given; " +
			"1 signature body stored in outbox "},
		{"callback profile, flush", "", func(t *testing.T) []string {
			box := filepath.Join(t.TempDir(), "o.db")
			if r := run(t, registry(), nil, "run", "noop", "--inject-id", id, "--target", "127.0.0.1", "--backend-url", backend.URL,
				"--outbox", box, "--log-level", "error"); r.code != 1 {
				t.Fatalf("run: exit %d, want 1\n%s", r.code, r.stderr)
			}
			return []string{"outbox", "flush", "--outbox", box, "--backend-url", backend.URL}
		}, 1, "flush incomplete: the backend refused a request without a token (401 or 403): no token was given: 1 signature body left pending, " +
			"not moved to the dead list (flush again with a token, given by INJECTKIT_TOKEN, the config file's token or --token)"},
		{"openaev profile", "", func(*testing.T) []string {
			return []string{"run", "noop", "--profile", "openaev", "--backend-url", platform.URL, "--outbox", "none"}
		}, 1, "not run: the platform refuses a request without a token (status 401): no token was given " +
			"(set INJECTKIT_TOKEN, the config file's token or --token)"},
		{"callback profile, a token", "wrong-token-1", func(t *testing.T) []string {
			return []string{"run", "noop", "--backend-url", backend.URL, "--outbox", filepath.Join(t.TempDir(), "o.db")}
		}, 1, "delivery failed: the backend refused the token (401 or 403); "},
		{"openaev profile, a token", "wrong-token-1", func(*testing.T) []string {
			return []string{"run", "noop", "--profile", "openaev", "--backend-url", platform.URL, "--outbox", "none"}
		}, 1, "not run: the platform refuses the token (status 401: it does not know it; check that INJECTKIT_TOKEN"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := tt.args(t)
			if args[0] == "run" {
				args = append(args, "--inject-id", id, "--target", "127.0.0.1")
			}
			if tt.token != "" {
				args = append(args, "--token", tt.token)
			}
			r := run(t, registry(), nil, append(args, "--log-level", "error")...)
			if r.code != tt.code || !strings.Contains(r.stderr, tt.want) {
				t.Errorf("exit %d, want %d and %q; stderr:\n%s", r.code, tt.code, tt.want, r.stderr)
			}
			if tt.token == "" && (strings.Contains(r.stderr, "refused the token") || strings.Contains(r.stderr, "refuses the token")) {
				t.Errorf("no token was given, yet stderr speaks of the token:\n%s", r.stderr)
			}
		})
	}
}
