package cli_test

import (
	"net/http"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/injectkit/injectkit/cli"
	"github.com/injectkit/injectkit/openaev"
	"github.com/injectkit/injectkit/openaev/openaevtest"
)

// A reception answered 404 with the platform's body (Element not found:
// 2.0.0 and later, the inject not held: deleted since its status read,
// which stops the run first for an inject never held) says to check the
// inject id and nothing of the URL, which reached the platform; a 404
// without it (no such route: a proxy, another server) names the backend
// URL first.
func TestReceptionNotFoundHintOrder(t *testing.T) {
	t.Parallel()
	const (
		unknown = "the platform answers 404 for an inject it does not know (or deleted; before OpenAEV 2.0.0, also for one the token has no rights on): " +
			"check the inject id, and the token's rights on a 1.x platform"
		checkURL = "check the backend URL given by --backend-url, "
	)
	for _, tt := range []struct {
		name  string
		proxy bool
	}{{"the platform's 404", false}, {"a proxy's 404", true}} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p := openaevtest.NewPlatform(t, platformToken)
			registered(t, p, platformToken, registry())
			const id = "inj-404"
			url, want := p.URL, "injectkit: hint: "+unknown+"\n"
			p.AddInject(id, openaev.ContractID("noop"))
			if !tt.proxy {
				p.FailReception(id, http.StatusNotFound, 1)
			}
			if tt.proxy {
				on := &atomic.Bool{}
				on.Store(true)
				url = notFoundProxy(t, p.URL, "/reception/"+id, on)
				want = "injectkit: hint: " + checkURL + url + ": it must be the platform's root, to which each request adds /api/…; " + unknown + "\n"
			}
			env, _ := outboxEnv(t)
			r := run(t, registry(), env, "run", "noop", "--profile", "openaev", "--inject-id", id, "--target", "127.0.0.1",
				"--backend-url", url, "--log-level", "error")
			if r.code != cli.ExitUsage || !strings.HasSuffix(r.stderr, want) {
				t.Errorf("exit %d, stderr:\n%s\nwant 2 ending with %q", r.code, r.stderr, want)
			}
		})
	}
}
