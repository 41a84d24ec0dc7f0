package cli_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/injectkit/injectkit/cli"
	"github.com/injectkit/injectkit/internal/testkit"
	"github.com/injectkit/injectkit/openaev"
	"github.com/injectkit/injectkit/openaev/openaevtest"
)

// outbox flush of a stored "complete" answered 404. The platform's 404
// (2.0.0 and later: the inject not found, RestBehavior's "Element not
// found") says the inject is gone, deleted since the run or, for a body
// moved there, not on that platform; another 404 (a URL moved to by hand,
// a proxy's) names the backend URL first, as run's hint does
// (TestNotFoundHintNamesTheBackendURL), then the deleted inject, which
// comes first when the backend took another body of the flush.
// retry-dead of the dead body says the same.
func TestOutboxFlushNotFoundHintNamesTheURL(t *testing.T) {
	t.Parallel()
	const (
		resend = ": a resend gets 404 again; once the inject is seen gone on the platform, remove the body with outbox drop <id> (outbox list shows its id)"
		gone   = "the platform at this URL answers that it does not hold the inject (404, Element not found): it was deleted on the platform since the run " +
			"(OpenAEV 2.0.0 and later), or, for a body moved here with outbox move, this is not the platform the inject is on" + resend
		checkURL = "check the backend URL given by --backend-url, {URL}: it must be the platform's root, to which each request adds /api/…"
	)
	for _, tt := range []struct {
		name   string
		others []string // injects whose complete is stored too, and delivered by the flush
		moved  bool     // the bodies moved to the platform's URL under /wrong
		proxy  bool     // a proxy in front of the platform answers 404 for inj-gone
		hint   string
	}{
		{"deleted on the platform", nil, false, false, gone},
		{"moved to a wrong URL", nil, true, false, checkURL + "; or the inject no longer exists on the platform (OpenAEV 2.0.0 and later: deleted since the run)" + resend},
		{"a proxy's 404, another body delivered", []string{"inj-there"}, false, true,
			"this backend took 1 other body of this command, so its 404 most likely says the inject no longer exists on the platform " +
				"(OpenAEV 2.0.0 and later: deleted since the run)" + resend + "; " + checkURL},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p := openaevtest.NewPlatform(t, platformToken)
			registered(t, p, platformToken, registry())
			env, box := outboxEnv(t)
			url, gone404 := p.URL, &atomic.Bool{}
			if tt.proxy {
				url = notFoundProxy(t, p.URL, "/callback/inj-gone", gone404)
			}
			for _, id := range append([]string{"inj-gone"}, tt.others...) {
				p.AddInject(id, openaev.ContractID("noop"))
				p.FailComplete(id, http.StatusServiceUnavailable, openaev.DefaultAttempts)
				checkKept(t, run(t, registry(), env, "run", "noop", "--profile", "openaev", "--inject-id", id, "--target", "127.0.0.1",
					"--backend-url", url, "--log-level", "error"), box)
			}
			switch {
			case tt.moved:
				if m := run(t, registry(), env, "outbox", "move", "--from", url, "--to", url+"/wrong"); m.code != 0 {
					t.Fatalf("move: exit %d\n%s", m.code, m.stderr)
				}
				url += "/wrong"
			case tt.proxy:
				gone404.Store(true)
			default:
				p.FailComplete("inj-gone", http.StatusNotFound, 2)
			}
			hint := "injectkit: hint: " + strings.ReplaceAll(tt.hint, "{URL}", url) + "\n"
			f := run(t, registry(), env, "outbox", "flush", "--backend-url", url, "--log-level", "error")
			if f.code != cli.ExitDelivery || !strings.Contains(f.stderr, hint) {
				t.Fatalf("flush: exit %d\n%s%s\nwant 1 and %q", f.code, f.stdout, f.stderr, hint)
			}
			if tt.others != nil {
				return // retry-dead takes no other body
			}
			rd := run(t, registry(), env, "outbox", "retry-dead", "1", "--backend-url", url, "--log-level", "error")
			if rd.code != cli.ExitDelivery || !strings.Contains(rd.stderr, hint) {
				t.Errorf("retry-dead: exit %d\n%s%s\nwant 1 and %q", rd.code, rd.stdout, rd.stderr, hint)
			}
		})
	}
}

// notFoundProxy is a proxy in front of the platform that, once on is set,
// answers a plain 404 (no platform's body) to the POSTs whose path ends
// with suffix, and forwards everything else.
func notFoundProxy(t *testing.T, platform, suffix string, on *atomic.Bool) string {
	t.Helper()
	rp := testkit.ReverseProxy(t, platform)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if on.Load() && r.Method == http.MethodPost && strings.HasSuffix(r.URL.Path, suffix) {
			http.NotFound(w, r)
			return
		}
		rp.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}
