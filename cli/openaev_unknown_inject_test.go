package cli_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/injectkit/injectkit/cli"
	"github.com/injectkit/injectkit/internal/testkit"
	"github.com/injectkit/injectkit/openaev"
	"github.com/injectkit/injectkit/openaev/openaevtest"
)

// An inject the platform does not hold (a mistyped --inject-id, a saved
// message of an inject deleted since, another platform's URL) is answered
// 404 with the platform's own body ("Element not found: …") on its status
// read, on every version: `run --profile openaev` and `run
// --openaev-message` stop there, exit 2, in one line naming the inject and
// what the platform answered, before the reception (which the platform
// would refuse with the same 404) and before the outbox is opened: nothing
// ran, nothing was sent, nothing was stored.
func TestRunOpenAEVUnknownInject(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		opts      []openaevtest.Option
		byRequest bool
		// message is the platform's 404 message the line quotes.
		message string
	}{
		{name: "current line, message", message: "Element not found: Inject not found with id: inj-gone"},
		{name: "current line, request", byRequest: true, message: "Element not found: Inject not found with id: inj-gone"},
		{name: "2.4.0, request", opts: []openaevtest.Option{openaevtest.WithVersion(openaevtest.Version24)}, byRequest: true,
			message: "Element not found: Inject not found with id: inj-gone"},
		{name: "2.4.0, admin token (no lookup before the handler's)", byRequest: true,
			opts:    []openaevtest.Option{openaevtest.WithVersion(openaevtest.Version24), openaevtest.WithAdminToken()},
			message: "Element not found: null"},
		{name: "1.18 (no rights checked on the route)", opts: []openaevtest.Option{openaevtest.WithVersionString("1.18.19")},
			message: "Element not found: null"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			const id = "inj-gone"
			p := noopPlatform(t, "inj-other", tt.opts...)
			env, box := outboxEnv(t)
			args := []string{"run", "noop", "--openaev-message", oneLocalAssetMessage(t, id)}
			if tt.byRequest {
				args = []string{"run", "noop", "--profile", "openaev", "--inject-id", id, "--target", "127.0.0.1"}
			}
			r := run(t, registry(), env, append(args, "--backend-url", p.URL, "--log-level", "error")...)
			if r.code != cli.ExitUsage {
				t.Fatalf("exit %d, want %d; stderr:\n%s", r.code, cli.ExitUsage, r.stderr)
			}
			want := "injectkit: inject " + id + " not run: the platform does not hold it (its status read answered 404: \"" + tt.message + "\")"
			if !strings.HasPrefix(r.stderr, want) {
				t.Errorf("stderr does not start with %q:\n%s", want, r.stderr)
			}
			checkSays(t, "stderr", r.stderr, []string{"check the inject id", "nothing ran, nothing was sent or stored"},
				[]string{"running it", "reception"})
			if n := strings.Count(strings.TrimSpace(r.stderr), "\n"); n != 0 {
				t.Errorf("stderr has %d lines, want one:\n%s", n+1, r.stderr)
			}
			if calls := p.Calls(id); len(calls) != 0 {
				t.Errorf("the run sent %d calls about the inject (first: %s), want only its status read", len(calls), calls[0].Kind)
			}
			if reads := p.CallsOf(openaevtest.KindInject); len(reads) != 1 {
				t.Errorf("%d status reads, want one", len(reads))
			}
			noOutboxFile(t, box)
		})
	}
}

// A 404 that is not the platform's word on the inject (no such route: a
// proxy's) says nothing of the inject: the run goes on as for any status
// it cannot read, as serve does, after a WARN, even for an inject that
// finished (the run cannot tell), which its reception reopens.
func TestRunOpenAEVStatusRouteMissing(t *testing.T) {
	t.Parallel()
	const id = "inj-here"
	p := noopPlatform(t, id)
	args := []string{"run", "noop", "--profile", "openaev", "--inject-id", id, "--target", "127.0.0.1", "--log-level", "warn"}
	first, _ := outboxEnv(t)
	ranOnce(t, func(...string) result { return run(t, registry(), first, append(args, "--backend-url", p.URL)...) }, p, id)
	env, _ := outboxEnv(t)
	r := run(t, registry(), env, append(args, "--backend-url", notFoundGetProxy(t, p.URL, "/api/injects/"+id))...)
	if r.code != cli.ExitOK {
		t.Fatalf("exit %d, want 0; stderr:\n%s", r.code, r.stderr)
	}
	checkSays(t, "stderr", r.stderr, []string{"WARN", "the inject's status cannot be read from the platform; running it", "404"}, nil)
	if got := len(p.Receptions(id)); got != 2 {
		t.Errorf("%d receptions, want two (one a run)", got)
	}
	if got := p.Reopenings(id); got != 1 {
		t.Errorf("%d reopenings, want one", got)
	}
	if st := p.InjectStatus(id); !openaev.Finished(st) {
		t.Errorf("inject %s after the run, want a final status", st)
	}
}

// oneLocalAssetMessage writes a platform message of inject id and noop's
// contract, over one asset (127.0.0.1).
func oneLocalAssetMessage(t *testing.T, id string) string {
	t.Helper()
	return writeFile(t, "m.json", `{"injection":{"inject_id":"`+id+`","inject_injector_contract":{"injector_contract_id":"`+
		openaev.ContractID("noop")+`"},"inject_content":{"target_selector":"assets"}},"assets":[`+
		`{"asset_id":"a1","asset_name":"one","asset_ips":["127.0.0.1"]}]}`)
}

// notFoundGetProxy is a proxy in front of the platform that answers a
// plain 404 (no platform's body) to the GETs of path, and forwards
// everything else.
func notFoundGetProxy(t *testing.T, platform, path string) string {
	t.Helper()
	forward := testkit.ReverseProxy(t, platform)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodGet && r.URL.Path == path {
			http.NotFound(w, r)
			return
		}
		forward.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}
