package cli_test

import (
	"net/http"
	"path/filepath"
	"strings"
	"testing"
)

// A run whose backend is in maintenance (503, Retry-After: 3600) keeps its
// body in the outbox at the first answer, one request and no wait, exit 1
// as any body kept, and says how long the backend asked to wait and what
// to do then; it waited 3 × 30 s into the same answer before (t174,
// forty-sixth session). A status that asks no wait gets no such hint.
func TestRunKeepsAtALongRetryAfter(t *testing.T) {
	tests := []struct {
		name       string
		retryAfter string
		down       bool // 503 with retryAfter; else a 409, not retried
		hint       string
	}{
		{"an hour", "3600", true, "injectkit: hint: the backend asked to wait 1h0m0s (the Retry-After of its 429 or 503): kept without waiting; flush once that has passed\n"},
		{"past 12 days", "99999999999", true, "injectkit: hint: the backend asked to wait more than 12 days (the Retry-After of its 429 or 503)"},
		{"a 409", "", false, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := newMaintenance(t, http.StatusConflict, tt.retryAfter)
			m.down.Store(tt.down)
			env := map[string]string{"INJECTKIT_OUTBOX": filepath.Join(t.TempDir(), "outbox.db")}
			r := run(t, registry(), env, "run", "noop", "--inject-id", "inj-1", "--target", "127.0.0.1", "--backend-url", m.srv.URL,
				"--log-level", "error")
			if r.code != 1 || !storedLine.MatchString(r.stderr) {
				t.Fatalf("exit %d, want 1 and the body kept:\n%s", r.code, r.stderr)
			}
			if got := strings.Contains(r.stderr, "the backend asked to wait"); got != (tt.hint != "") || !strings.Contains(r.stderr, tt.hint) {
				t.Errorf("stderr %q, want the hint %q", r.stderr, tt.hint)
			}
			if n := m.posts.Load(); tt.down && n != 1 {
				t.Errorf("%d requests, want 1", n)
			}
		})
	}
}
