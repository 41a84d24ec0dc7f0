package cli_test

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/injectkit/injectkit/internal/testkit"
	"github.com/injectkit/injectkit/openaev/openaevtest"
)

// A token its user renews on the platform while an inject runs (2.4.0's
// POST /api/me/token/refresh: the value before authenticates nobody, a
// 401 on every route) loses nothing: the run's terminal callback, refused
// 401, is kept pending in the outbox (exit 1), a flush with the value
// before leaves it pending and the platform acts on none of it, and a
// flush with the renewed value delivers it, which the platform processes:
// one COMPLETE trace, the inject finished with its status.
func TestRunOpenAEVTokenRenewedMidRunThenFlush(t *testing.T) {
	const id, renewed = "inj-renew", "renewed-pl4tform-token"
	p := noopPlatform(t, id)
	env, _ := outboxEnv(t)
	// The token is renewed as the run's complete reaches the platform,
	// after its reception and trace were taken: the inject ran. (The
	// flushes' completes pass here too: renewed to the same value, no
	// change.)
	forward := testkit.ReverseProxy(t, p.URL)
	proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		if bytes.Contains(b, []byte(`"execution_action":"complete"`)) {
			p.RenewToken(renewed)
		}
		r.Body = io.NopCloser(bytes.NewReader(b))
		forward.ServeHTTP(w, r)
	}))
	t.Cleanup(proxy.Close)
	r := run(t, registry(), env, "run", "noop", "--profile", "openaev", "--inject-id", id, "--target", "127.0.0.1",
		"--backend-url", proxy.URL, "--log-level", "error")
	if traces := p.CallsOf(openaevtest.KindTrace); len(traces) != 1 || !traces[0].Processed() {
		t.Fatalf("traces %+v, want the run's INFO trace processed before the renewal", traces)
	}
	if r.code != 1 || !strings.Contains(r.stderr, "refused the token (401 or 403)") || !strings.Contains(r.stderr, "1 terminal callback body stored in outbox") {
		t.Fatalf("run: exit %d, want 1 and the complete kept for a flush with the right token:\n%s", r.code, r.stderr)
	}
	if c := p.Completions(id); len(c) != 0 {
		t.Fatalf("the platform processed %d completes under the token it no longer knows", len(c))
	}

	f := run(t, registry(), env, "outbox", "flush", "--backend-url", proxy.URL, "--log-level", "error")
	if f.code != 1 || !strings.Contains(f.stderr, "1 terminal callback body left pending") {
		t.Fatalf("flush with the token before the renewal: exit %d, want 1, the body pending:\n%s", f.code, f.stderr)
	}
	if c := p.Completions(id); len(c) != 0 {
		t.Fatalf("the platform processed %d completes of the flush with the token before the renewal", len(c))
	}

	env["INJECTKIT_TOKEN"] = renewed
	if f := run(t, registry(), env, "outbox", "flush", "--backend-url", proxy.URL, "--log-level", "error"); f.code != 0 {
		t.Fatalf("flush with the renewed token: exit %d, want 0:\n%s", f.code, f.stderr)
	}
	c := p.Completions(id)
	if len(c) != 1 || c[0].Outcome != openaevtest.Processed || c[0].Header.Get("Authorization") != "Bearer "+renewed {
		t.Fatalf("completes %+v, want one, processed, sent with the renewed token", c)
	}
	h, _ := p.Held(id)
	var completes int
	for _, tr := range h.Traces {
		if tr.Action == "COMPLETE" {
			completes++
		}
	}
	if h.Status != "EXECUTED" || completes != 1 {
		t.Errorf("inject %s with %d COMPLETE traces, want EXECUTED with one: %+v", h.Status, completes, h.Traces)
	}
	noneDropped(t, p)
	wantOutboxEmpty(t, registry(), env, "after the flush with the renewed token")
}
