package cli_test

import (
	"testing"

	"github.com/injectkit/injectkit/transport"
	"github.com/injectkit/injectkit/transport/transporttest"
)

// What the README says of the Idempotency-Key header: every POST of the
// callback profile carries one; no call of the openaev profile does.
func TestIdempotencyKeyByProfile(t *testing.T) {
	t.Run("callback profile: every POST", func(t *testing.T) {
		be := transporttest.NewBackend(t)
		r := run(t, registry(), nil, "run", "noop", "--target", "192.0.2.1", "--target", "192.0.2.2", "--inject-id", "inj-k",
			"--backend-url", be.URL, "--token", "tok", "--outbox", "none", "--max-payload-size", "700", "--log-level", "error")
		reqs := be.Requests()
		if r.code != 0 || len(reqs) < 2 {
			t.Fatalf("exit %d, %d requests: %s", r.code, len(reqs), r.stderr)
		}
		for i, q := range reqs {
			if q.Header.Get(transport.IdempotencyHeader) == "" {
				t.Errorf("request %d %s carries no %s", i, q.Path, transport.IdempotencyHeader)
			}
		}
	})
	t.Run("openaev profile: no call", func(t *testing.T) {
		p := noopPlatform(t, "inj-o")
		r := run(t, registry(), nil, "run", "noop", "--profile", "openaev", "--inject-id", "inj-o", "--target", "127.0.0.1",
			"--backend-url", p.URL, "--token", platformToken, "--outbox", "none", "--log-level", "error")
		calls := p.Calls("inj-o")
		if r.code != 0 || len(calls) < 3 {
			t.Fatalf("exit %d, calls %s: %s", r.code, callKinds(calls), r.stderr)
		}
		for _, c := range calls {
			if k := c.Header.Get(transport.IdempotencyHeader); k != "" {
				t.Errorf("%s carries %s %q", c.Kind, transport.IdempotencyHeader, k)
			}
		}
	})
}
