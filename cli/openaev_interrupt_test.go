package cli_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"github.com/injectkit/injectkit/cli"
)

// cuttingPlatform is a platform that answers {} to every request but
// the one named cut ("GET /api/settings/public"), during which the
// signal arrives (ctx's cancel): it answers that one only once the client
// has gone.
func cuttingPlatform(t *testing.T, cut string, cancel context.CancelFunc) *httptest.Server {
	t.Helper()
	p := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		if r.Method+" "+r.URL.Path == cut {
			cancel()
			<-r.Context().Done()
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{}`)
	}))
	t.Cleanup(p.Close)
	return p
}

// A run of the openaev profile interrupted while it waits on the
// platform before the injector runs (its version, its settings, the
// inject's status) exits 130 naming the request it waited on: it said
// "interrupted while opening outbox og.db", the step after it. Nothing
// ran, and no outbox was created.
func TestRunOpenAEVInterruptedWaitingOnPlatform(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		cut  string
		args []string
	}{
		{cut: "GET /api/settings/version"},
		{cut: "GET /api/settings/public", args: []string{"--openaev-version", "3.260821.0"}},
		{cut: "GET /api/injects/og1", args: []string{"--openaev-version", "3.260821.0"}},
	} {
		t.Run(tc.cut, func(t *testing.T) {
			t.Parallel()
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			p := cuttingPlatform(t, tc.cut, cancel)
			box := filepath.Join(t.TempDir(), "og.db")
			sess := newSession(false, false)
			sess.ctx = ctx
			r := sess.run(t, registry(), append([]string{"run", "noop", "--profile", "openaev", "--target", "10.0.0.1", "--inject-id", "og1",
				"--backend-url", p.URL, "--token", "x", "--outbox", box, "--log-level", "error"}, tc.args...)...)
			want := "injectkit: interrupted while waiting on the platform (" + tc.cut + "): nothing was run, sent or stored: context canceled\n"
			if r.code != cli.ExitInterrupted || !strings.HasSuffix(r.stderr, want) || strings.Contains(r.stderr, "opening outbox") {
				t.Fatalf("exit %d, want %d and %q\n%s%s", r.code, cli.ExitInterrupted, want, r.stdout, r.stderr)
			}
			noOutboxFile(t, box)
		})
	}
}

// A run of the openaev profile interrupted while the platform has not
// acknowledged the reception exits 130 saying the run was interrupted
// before the injector ran: it exited 1, "inject os1 not run: context
// canceled", with the hint of a platform that failed ("run it again once
// the platform answers").
func TestRunOpenAEVReceptionInterrupted(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	const cut = "POST /api/injects/execution/reception/os1"
	p := cuttingPlatform(t, cut, cancel)
	sess := newSession(false, false)
	sess.ctx = ctx
	r := sess.run(t, registry(), "run", "noop", "--profile", "openaev", "--openaev-version", "3.260821.0", "--target", "10.0.0.1",
		"--inject-id", "os1", "--backend-url", p.URL, "--token", "x", "--outbox", filepath.Join(t.TempDir(), "os.db"), "--log-level", "error")
	want := "injectkit: inject os1 not run: interrupted while waiting on the platform (" + cut + "): the injector did not run and nothing was stored"
	if r.code != cli.ExitInterrupted || !strings.Contains(r.stderr, want) || strings.Contains(r.stderr, "hint:") {
		t.Fatalf("exit %d, want %d and %q, no hint\n%s%s", r.code, cli.ExitInterrupted, want, r.stdout, r.stderr)
	}
}
