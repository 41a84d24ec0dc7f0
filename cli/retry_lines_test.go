package cli_test

import (
	"testing"

	"github.com/injectkit/injectkit/internal/testkit"
)

// A callback refused at every attempt reaches the user once: one ERROR
// line naming the attempts and the platform's last answer, the retries
// before it at INFO (attempt n/N), not one WARN each and the failure again.
func TestRunOneFailureOneLine(t *testing.T) {
	be := testkit.NewScriptedBackend(t, testkit.Repeat(4, 503, `{"message":"down"}`)...)
	r := run(t, registry(), nil, "run", "noop", "--target", "127.0.0.1", "--inject-id", "i-down", "--backend-url", be.URL,
		"--token", "tok", "--outbox", "none", "--log-format", "json")
	if r.code != 1 {
		t.Fatalf("exit %d, want 1: %s", r.code, r.stderr)
	}
	checkOneFailureLine(t, r.stderr, "i-down", "callback", "delivery failed")
}
