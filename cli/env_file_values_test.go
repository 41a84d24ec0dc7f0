package cli_test

import (
	"net/http"
	"path/filepath"
	"strings"
	"testing"

	"github.com/injectkit/injectkit/transport"
)

// Values from an environment file (Docker's --env-file keeps trailing
// spaces, a Kubernetes Secret a trailing newline) are read without the
// white space around them, as the token always was: the inject id is the
// one the platform knows, in the path and the idempotency key, and the
// URLs are used, not refused.
func TestEnvFileValuesReadWithoutWhiteSpace(t *testing.T) {
	be := newBackend(t, http.StatusOK)
	env := map[string]string{"INJECTKIT_INJECT_ID": "sp2 ", "INJECTKIT_BACKEND_URL": be.URL + "\n", "INJECTKIT_TOKEN": "tok\n",
		"INJECTKIT_OUTPUT": "JSON\n", "INJECTKIT_PROFILE": "Callback ", "INJECTKIT_LOG_FORMAT": "Json", "INJECTKIT_LOG_LEVEL": "ERROR\r\n",
		"INJECTKIT_MAX_TARGETS": "10\n", "INJECTKIT_PHASE_ANY": "false ", "INJECTKIT_OUTBOX": filepath.Join(t.TempDir(), "ob.db") + "\n"}
	r := run(t, registry(), env, "run", "noop", "--target", "127.0.0.1")
	if r.code != 0 {
		t.Fatalf("exit %d, want 0\n%s", r.code, r.stderr)
	}
	req := be.only(t)
	if req.Path != "/api/injects/sp2/callback" || !strings.HasPrefix(req.Header.Get(transport.IdempotencyHeader), "sp2:") ||
		req.Header.Get("Authorization") != "Bearer tok" {
		t.Errorf("sent %s with %s %q, Authorization %q; want the inject id and token without white space",
			req.Path, transport.IdempotencyHeader, req.Header.Get(transport.IdempotencyHeader), req.Header.Get("Authorization"))
	}
	if matches, _ := filepath.Glob(filepath.Join(filepath.Dir(strings.TrimSpace(env["INJECTKIT_OUTBOX"])), "*")); len(matches) != 1 ||
		filepath.Base(matches[0]) != "ob.db" {
		t.Errorf("outbox files %q, want ob.db", matches)
	}
}
