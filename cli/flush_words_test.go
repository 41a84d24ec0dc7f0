package cli_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/injectkit/injectkit/internal/testkit"
	"github.com/injectkit/injectkit/openaev"
)

// A flush that leaves bodies undelivered counts them as the run that kept
// them does, per profile: the callback profile's signature bodies, the
// openaev profile's terminal callback bodies (its complete, which
// carries signatures only on a platform that takes them).
func TestFlushIncompleteCountsBodiesAsRunDoes(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		// keep runs an inject whose body is kept, and returns the
		// backend the flush then sends to, still failing.
		keep func(t *testing.T, env map[string]string, box string) string
		want string
	}{
		{"callback profile", func(t *testing.T, env map[string]string, box string) string {
			url := testkit.NewScriptedBackend(t, testkit.Repeat(20, 503, `{"message":"down"}`)...).URL
			if r := run(t, registry(), env, "run", "noop", "--target", "127.0.0.1", "--inject-id", "i-down",
				"--backend-url", url, "--log-level", "error"); r.code != 1 || !strings.Contains(r.stderr, "1 signature body stored") {
				t.Fatalf("run: exit %d\n%s", r.code, r.stderr)
			}
			return url
		}, "flush incomplete: 1 signature body not delivered"},
		{"openaev profile", func(t *testing.T, env map[string]string, box string) string {
			const id = "i-down"
			p := noopPlatform(t, id)
			p.FailComplete(id, http.StatusServiceUnavailable, 2*openaev.DefaultAttempts)
			checkKept(t, run(t, registry(), env, "run", "noop", "--profile", "openaev", "--inject-id", id, "--target", "127.0.0.1",
				"--backend-url", p.URL, "--log-level", "error"), box)
			if n := len(p.Calls(id)); n == 0 {
				t.Fatal("the platform got no call")
			}
			return p.URL
		}, "flush incomplete: 1 terminal callback body not delivered"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			env, box := outboxEnv(t)
			url := tt.keep(t, env, box)
			f := run(t, registry(), env, "outbox", "flush", "--backend-url", url, "--log-level", "error")
			if f.code != 1 || !strings.Contains(f.stderr, tt.want) {
				t.Errorf("flush: exit %d, want 1 and %q:\n%s%s", f.code, tt.want, f.stdout, f.stderr)
			}
		})
	}
}
