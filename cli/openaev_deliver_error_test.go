package cli_test

import (
	"net/http"
	"strings"
	"testing"
)

// A delivery that fails says what was being delivered, as each profile
// calls it: the openaev profile's result (its complete, which may carry
// no signature at all: 2.4.0 takes none), never "signatures"; the
// callback profile's signatures, as before.
func TestRunDeliveryErrorNamesWhatWasDelivered(t *testing.T) {
	t.Parallel()
	const id = "inj-what"
	p := noopPlatform(t, id)
	p.FailComplete(id, http.StatusBadRequest, 99)
	r := run(t, registry(), nil, "run", "noop", "--profile", "openaev", "--openaev-version", "2.4.0", "--inject-id", id,
		"--target", "127.0.0.1", "--backend-url", p.URL, "--token", platformToken, "--outbox", "none", "--log-level", "error")
	if r.code != 1 || !strings.Contains(r.stderr, "deliver result: ") || strings.Contains(r.stdout+r.stderr, "deliver signatures") {
		t.Errorf("exit %d, want 1 with \"deliver result: …\":\n%s%s", r.code, r.stdout, r.stderr)
	}
	cb := newBackend(t, http.StatusBadRequest)
	r = run(t, registry(), nil, "run", "noop", "--inject-id", id, "--target", "127.0.0.1", "--backend-url", cb.URL, "--token", "t",
		"--outbox", "none", "--log-level", "error")
	if r.code != 1 || !strings.Contains(r.stderr, "deliver signatures: ") {
		t.Errorf("callback profile: exit %d, want 1 with \"deliver signatures: …\":\n%s%s", r.code, r.stdout, r.stderr)
	}
}
