package cli_test

import (
	"net/http"
	"path/filepath"
	"strings"
	"testing"
)

// A 407 is a proxy in between refusing its own credentials (the proxy
// setting's), not the backend refusing the body: the body stays pending,
// not in the dead list, the error names the proxy, and a flush once the
// proxy lets it through delivers it.
func TestProxyRefusalKeepsTheBodyPending(t *testing.T) {
	be := newSwitchable(t, http.StatusProxyAuthRequired)
	box := filepath.Join(t.TempDir(), "outbox.db")
	env := map[string]string{"INJECTKIT_OUTBOX": box, "INJECTKIT_TOKEN": "tok"}
	r := run(t, registry(), env, "run", "noop", "--inject-id", "inj-407", "--target", "127.0.0.1", "--backend-url", be.URL, "--log-level", "error")
	want := "delivery failed: the proxy refused its credentials (407), the backend was not reached; 1 signature body stored in outbox " + box +
		" (flush once HTTPS_PROXY or HTTP_PROXY holds the proxy's credentials: "
	if r.code != 1 || !strings.Contains(r.stderr, want) || strings.Contains(r.stderr, "rejected") || strings.Contains(r.stderr, "dead list") {
		t.Fatalf("exit %d, want 1 and %q:\n%s", r.code, want, r.stderr)
	}
	if n := len(be.got()); n != 1 {
		t.Errorf("%d attempts, want 1: the same credentials meet the same refusal", n)
	}
	l := run(t, registry(), env, "outbox", "list", "-o", "json")
	if !strings.Contains(l.stdout, `"state": "pending"`) || strings.Contains(l.stdout, `"state": "dead"`) ||
		!strings.Contains(l.stdout, "the proxy refused its credentials") {
		t.Errorf("outbox list:\n%s", l.stdout)
	}
	f := run(t, registry(), env, "outbox", "flush", "--backend-url", be.URL, "--log-level", "error")
	if f.code != 1 || !strings.Contains(f.stdout, "0 delivered, 1 still pending, 0 rejected") {
		t.Errorf("flush through the refusing proxy: exit %d\n%s%s", f.code, f.stdout, f.stderr)
	}
	be.set(http.StatusOK)
	if f := run(t, registry(), env, "outbox", "flush", "--backend-url", be.URL, "--log-level", "error"); f.code != 0 || !strings.Contains(f.stdout, "1 delivered") {
		t.Errorf("flush once the proxy lets it through: exit %d\n%s%s", f.code, f.stdout, f.stderr)
	}
}
