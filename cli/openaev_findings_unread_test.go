package cli_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/injectkit/injectkit/openaev"
)

// `run --openaev-message --rerun-finished` of an inject whose stored
// findings cannot be read: the run's "complete" repeats the earlier run's
// finding (noop's summary), which the platform would drop it for. A search
// failing for a while (a 500) fails the delivery: the complete is kept
// pending, not sent, exit 1 with the flush hint, and the flush once the
// search works delivers it. A search the platform refuses for good (a
// platform without the route: 404) sends it at once without its findings.
// Either way the platform processes it and the inject finishes.
func TestRunRerunFindingsUnreadable(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		status int
		kept   bool
	}{
		{"search failing (500): kept, then flushed", http.StatusInternalServerError, true},
		{"no search route (404): sent without its findings", http.StatusNotFound, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			const id = "inj-unread"
			p := noopPlatform(t, id)
			env, box := outboxEnv(t)
			msg := oneAssetMessage(t, id, openaev.ContractID("noop"))
			// The stand-in processes each callback before its answer.
			args := []string{"run", "noop", "--openaev-message", msg, "--backend-url", p.URL, "--log-level", "error",
				"--openaev-ingest-window", "0"}
			if r := run(t, registry(), env, args...); r.code != 0 {
				t.Fatalf("first run: exit %d: %s", r.code, r.stderr)
			}
			first := p.StoredFindings(id)
			p.FailFindings(id, tt.status, 1<<30)
			r := run(t, registry(), env, append(args, "--rerun-finished")...)
			if tt.kept {
				checkKept(t, r, box)
				if n := len(p.Completions(id)); n != 1 {
					t.Errorf("%d completes processed after the run, want the first run's only", n)
				}
				p.FailFindings(id, 0, 0)
				f := run(t, registry(), env, "outbox", "flush", "--backend-url", p.URL, "--log-level", "error")
				if f.code != 0 || !strings.Contains(f.stdout, "1 delivered") {
					t.Fatalf("flush: exit %d\n%s%s", f.code, f.stdout, f.stderr)
				}
			} else if r.code != 0 {
				t.Fatalf("exit %d, want 0: %s", r.code, r.stderr)
			}
			wantOutboxEmpty(t, registry(), env, "at the end")
			for _, c := range p.Dropped() {
				t.Errorf("the platform dropped a %s: %s", c.Kind, c.Reason)
			}
			if n := len(p.Completions(id)); n != 2 {
				t.Errorf("%d completes processed, want 2", n)
			}
			if st := p.InjectStatus(id); !openaev.Finished(st) {
				t.Errorf("inject %s, want a final status", st)
			}
			if rows := p.StoredFindings(id); len(rows) != len(first) {
				t.Errorf("stored findings %v, want the first run's %v once", rows, first)
			}
		})
	}
}
