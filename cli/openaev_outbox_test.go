package cli_test

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/injectkit/injectkit/framework"
	"github.com/injectkit/injectkit/framework/frameworktest"
	"github.com/injectkit/injectkit/internal/testkit"
	"github.com/injectkit/injectkit/openaev"
	"github.com/injectkit/injectkit/openaev/openaevtest"
	"github.com/injectkit/injectkit/signatures"
	"github.com/injectkit/injectkit/transport/outbox"
	"github.com/injectkit/injectkit/transport/transporttest"
)

// The openaev profile keeps its terminal callback in the outbox, as the
// callback profile does, for `run --profile openaev` and
// `--openaev-message` alike: the platform goes down after the reception and
// the trace, the run exits 1 naming the outbox, and `outbox flush`
// delivers the same bytes to the strict stand-in once it is back.
func TestRunOpenAEVPlatformDownThenFlush(t *testing.T) {
	tests := []struct {
		name string
		// down makes the platform unreachable for the terminal callback
		// and returns the --backend-url flush must use ("" for the one
		// stored).
		mode string
	}{
		{name: "run --profile openaev, platform port closed", mode: "profile"},
		{name: "run --openaev-message, platform answering 503", mode: "message"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := openaevtest.NewPlatform(t, platformToken)
			const id = "inj-down"
			env, box := outboxEnv(t)
			var args []string
			var flushTo string
			switch tt.mode {
			case "profile":
				// The platform behind a proxy that cuts every connection
				// from the moment the inject runs until the flush: its
				// terminal callback finds nobody.
				var down atomic.Bool
				forward := testkit.ReverseProxy(t, p.URL)
				proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					if down.Load() {
						transporttest.Cut(w)
						return
					}
					forward.ServeHTTP(w, r)
				}))
				t.Cleanup(proxy.Close)
				t.Cleanup(func() { down.Store(false) })
				reg := flagging("cutoff", &down)
				registered(t, p, platformToken, reg)
				p.AddInject(id, openaev.ContractID("cutoff"))
				// The stand-in processes each callback before its answer:
				// one cut off never reached it (the legacy ingestion's
				// window, 0).
				args = []string{"run", "cutoff", "--profile", "openaev", "--inject-id", id, "--target", "127.0.0.1",
					"--backend-url", proxy.URL, "--openaev-ingest-window", "0"}
				flushTo = proxy.URL
				r := run(t, reg, env, append(args, "--log-level", "error")...)
				checkKept(t, r, box)
				down.Store(false)
			case "message":
				registered(t, p, platformToken, registry())
				p.AddInject(id, openaev.ContractID("noop"))
				p.FailComplete(id, http.StatusServiceUnavailable, openaev.DefaultAttempts)
				msg := `{"injection":{"inject_id":"` + id + `","inject_injector_contract":{"injector_contract_id":"` +
					openaev.ContractID("noop") + `"},"inject_content":{"target_selector":"manual","targets":"127.0.0.1"}}}`
				// The stand-in processes each callback before answering
				// (the legacy ingestion): no window for its 503s.
				args = []string{"run", "--openaev-message", writeFile(t, "message.json", msg), "--backend-url", p.URL,
					"--openaev-ingest-window", "0"}
				flushTo = p.URL
				r := run(t, registry(), env, append(args, "--log-level", "error")...)
				checkKept(t, r, box)
			}

			// The record: the openaev profile, the platform's URL, the
			// bytes the failed attempts carried.
			s, err := outbox.Open(box, outbox.Options{})
			if err != nil {
				t.Fatal(err)
			}
			recs, _ := s.List()
			if len(recs) != 1 || recs[0].Profile != openaev.ProfileName || recs[0].InjectID != id || recs[0].State != outbox.Pending ||
				!openaev.Untenanted(recs[0]) {
				t.Fatalf("records %+v", recs)
			}
			// The attempts the run made, as its error says.
			if recs[0].Attempts != openaev.DefaultAttempts || !strings.Contains(recs[0].LastError, fmt.Sprintf("after %d attempts", openaev.DefaultAttempts)) {
				t.Errorf("record: %d attempts, last error %q; want %d", recs[0].Attempts, recs[0].LastError, openaev.DefaultAttempts)
			}
			kept, err := s.Get(recs[0].ID)
			_ = s.Close()
			if err != nil {
				t.Fatal(err)
			}
			if _, done := p.Terminal(id); done {
				t.Fatal("the terminal callback reached the platform while it was down")
			}

			flush := []string{"outbox", "flush", "--log-level", "error"}
			if flushTo != "" {
				flush = append(flush, "--backend-url", flushTo)
			}
			f := run(t, registry(), env, flush...)
			if f.code != 0 || !strings.Contains(f.stdout, "1 delivered, 0 still pending") {
				t.Fatalf("flush: exit %d\n%s%s", f.code, f.stdout, f.stderr)
			}
			done, ok := p.Terminal(id)
			if !ok || !done.Processed() || !bytes.Equal(done.Raw, kept.Body) {
				t.Fatalf("terminal callback: present %v, %s %s, same bytes %v", ok, done.Outcome, done.Reason, bytes.Equal(done.Raw, kept.Body))
			}
			if done.Body["execution_status"] != "SUCCESS" || p.InjectStatus(id) == "PENDING" {
				t.Errorf("terminal %v, inject %s", done.Body["execution_status"], p.InjectStatus(id))
			}
			wantOutboxEmpty(t, registry(), env, "after the flush")
		})
	}
}

// A platform that never acknowledges the reception gets nothing more: the
// inject does not run, nothing is stored, the run exits 1 with a hint that
// it may be run again.
func TestRunOpenAEVReceptionNeverAcknowledged(t *testing.T) {
	t.Parallel()
	p := openaevtest.NewPlatform(t, platformToken)
	const id = "inj-unreceived"
	p.AddInject(id, openaev.ContractID("watched"))
	p.FailReception(id, http.StatusServiceUnavailable, openaev.DefaultAttempts)
	before := p.InjectStatus(id)
	env, _ := outboxEnv(t)
	var ran atomic.Bool
	reg := flagging("watched", &ran)
	r := run(t, reg, env, "run", "watched", "--profile", "openaev", "--inject-id", id, "--target", "127.0.0.1",
		"--backend-url", p.URL, "--log-level", "error")
	if r.code != 1 || !strings.Contains(r.stderr, "injectkit: inject "+id+" not run: ") ||
		!strings.Contains(r.stderr, "injectkit: hint: the platform did not acknowledge the reception, so the inject did not run and nothing was stored") {
		t.Fatalf("exit %d, stderr:\n%s", r.code, r.stderr)
	}
	if ran.Load() {
		t.Error("the injector ran without a reception")
	}
	if _, sent := p.Terminal(id); sent || p.InjectStatus(id) != before {
		t.Errorf("the platform got a terminal callback (%v) or moved the inject from %s to %s", sent, before, p.InjectStatus(id))
	}
	wantOutboxEmpty(t, reg, env, "(nothing to store)")
}

// flagging returns the test registry with a network injector, name, that
// sets ran when it runs, and succeeds.
func flagging(name string, ran *atomic.Bool) *framework.Registry {
	return registry(func(r *framework.Registry) {
		r.Register(name, func() framework.Executor {
			return &frameworktest.Executor{Category: signatures.Network,
				Run: func(context.Context, *framework.Inject) framework.ToolOutput {
					ran.Store(true)
					return framework.ToolOutput{Status: framework.StatusSuccess}
				}}
		})
	})
}

// outboxEnv is a run's environment with the platform token and an outbox
// of its own, at box.
func outboxEnv(t *testing.T) (env map[string]string, box string) {
	t.Helper()
	box = filepath.Join(t.TempDir(), "outbox.db")
	return map[string]string{"INJECTKIT_OUTBOX": box, "INJECTKIT_TOKEN": platformToken}, box
}

// wantOutboxEmpty checks that `outbox list` of env's outbox, after what
// the test did (when), shows nothing pending, nothing dead and no bytes.
func wantOutboxEmpty(t *testing.T, reg *framework.Registry, env map[string]string, when string) {
	t.Helper()
	if l := run(t, reg, env, "outbox", "list"); !strings.Contains(l.stdout, "0 pending, 0 dead, 0 B ") {
		t.Errorf("outbox not empty %s:\n%s", when, l.stdout)
	}
}

// checkKept checks a run whose terminal callback was kept: exit 1, one
// line naming the outbox, the token nowhere.
func checkKept(t *testing.T, r result, box string) {
	t.Helper()
	if r.code != 1 {
		t.Fatalf("exit %d, want 1; stderr %s", r.code, r.stderr)
	}
	m := openaevStoredLine.FindStringSubmatch(r.stderr)
	if m == nil || m[1] != "1" || m[2] != box {
		t.Fatalf("stderr lacks the stored line naming %s:\n%s", box, r.stderr)
	}
	// One failure: the runtime's one ERROR line, with its duration, and
	// the CLI's one line (and its hint, a token from the environment
	// being one the flush needs set too); the clients log nothing at ERROR.
	lines := strings.Split(strings.TrimSpace(r.stderr), "\n")
	if n := len(lines); n > 0 && strings.HasPrefix(lines[n-1], "injectkit: hint: the flush command needs INJECTKIT_TOKEN set") {
		lines = lines[:n-1]
	}
	if len(lines) != 2 || !strings.Contains(lines[0], "ERROR\tdelivery failed") || !strings.Contains(lines[0], `"duration"`) ||
		!strings.HasPrefix(lines[1], "injectkit: ") {
		t.Errorf("want the runtime's ERROR line and the CLI's line, got:\n%s", r.stderr)
	}
	if strings.Contains(r.stderr, platformToken) {
		t.Error("token leaked to stderr")
	}
}
