package openaev_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/injectkit/injectkit/framework"
	"github.com/injectkit/injectkit/openaev/openaevtest"
	"github.com/injectkit/injectkit/runtime"
)

// TestOutcomeStatusOnPlatform: the status a run's outcome gives the inject
// on the platform, and whether its findings are stored. An injector's
// inject ends with one "complete" (a second is refused: 2.4.0's
// InjectExecutionService.java:59-69), whose outputs are processed only
// when its status is SUCCESS (ExecutionProcessingContext.java:23-24,
// InjectorExecutionProcessingHandler.java:46-47); the inject's status is
// InjectStatusUtils.computeStatus over it (SUCCESS on 2.4.0, EXECUTED on
// the Current line, for a success; ERROR for ERROR, TIMEOUT and
// INVALID_USAGE). So a partial run is SUCCESS, to keep what it found: the
// platform cannot show PARTIAL for it without losing its findings (INFO
// or a mix would), and its message says it partially succeeded.
func TestOutcomeStatusOnPlatform(t *testing.T) {
	oneTarget := map[string]any{"target_selector": "manual", "targets": "192.0.2.1"}
	tests := []struct {
		name     string
		setup    func(e *env)
		content  map[string]any
		sent     string // the "complete"'s execution_status
		message  string
		findings bool
		// status on 2.4.0; on Current, SUCCESS reads EXECUTED.
		status string
	}{
		{"success", nil, oneTarget, "SUCCESS", "nmap on 1 target: succeeded", true, "SUCCESS"},
		{"partial", func(e *env) { e.nmap.status = framework.StatusPartial }, oneTarget,
			"SUCCESS", "nmap on 1 target: partially succeeded", true, "SUCCESS"},
		{"failed", func(e *env) { e.nmap.fail = "nmap: boom" }, oneTarget,
			"ERROR", "nmap on 1 target: failed", false, "ERROR"},
		{"timed out", func(e *env) {
			e.nmap.block = true
			e.build(testManifests(), runtime.WithTimeout(20*time.Millisecond))
		}, oneTarget, "TIMEOUT", "nmap on 1 target: timed out", false, "ERROR"},
		{"rejected", nil, map[string]any{"target_selector": "assets"}, "INVALID_USAGE", "Inject rejected: no targets", false, "ERROR"},
	}
	for _, v := range []openaevtest.Version{openaevtest.Version24, openaevtest.Current} {
		for _, tt := range tests {
			t.Run(v.String()+"/"+tt.name, func(t *testing.T) {
				const id = "inj-outcome"
				e := newEnvOn(t, []openaevtest.Option{openaevtest.WithVersion(v)})
				e.register(t)
				e.nmap.open = map[string][]int{"192.0.2.1": {22}}
				if tt.setup != nil {
					tt.setup(e)
				}
				_ = e.proc.Process(context.Background(), e.message(t, id, "nmap", tt.content, nil, nil))
				if d := e.platform.Dropped(); len(d) > 0 {
					t.Fatalf("the platform dropped %s: %s", d[0].Kind, d[0].Reason)
				}
				completes := e.platform.Completions(id)
				if len(completes) != 1 {
					t.Fatalf("%d completes processed, want 1", len(completes))
				}
				if c := completes[0]; c.Body["execution_status"] != tt.sent ||
					!strings.Contains(c.Body["execution_message"].(string), tt.message) {
					t.Errorf("complete %v %q, want %s %q", c.Body["execution_status"], c.Body["execution_message"], tt.sent, tt.message)
				}
				want := tt.status
				if want == "SUCCESS" && v == openaevtest.Current {
					want = "EXECUTED"
				}
				if st := e.platform.InjectStatus(id); st != want {
					t.Errorf("inject status %s, want %s", st, want)
				}
				if stored := len(e.platform.StoredFindings(id)) > 0; stored != tt.findings {
					t.Errorf("findings stored: %v, want %v", stored, tt.findings)
				}
			})
		}
	}
}
