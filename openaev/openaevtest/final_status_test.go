package openaevtest_test

import (
	"strings"
	"testing"

	"github.com/injectkit/injectkit/openaev/openaevtest"
)

// TestFinalInjectStatus: the inject's final status is what the platform
// computes from all its "complete" callbacks (InjectStatusUtils.computeStatus),
// not the last one's: a re-run's "complete" joins the first run's, INFO and
// the other uncounted statuses make PARTIAL, ACCESS_DENIED is a success and
// the deprecated PARTIAL an error.
func TestFinalInjectStatus(t *testing.T) {
	tests := []struct {
		name      string
		version   openaevtest.Version
		completes []string // each after a reception
		want      string
	}{
		{"success, re-run, error (Current)", openaevtest.Current, []string{"SUCCESS", "ERROR"}, "PARTIAL"},
		{"success, re-run, error (2.4.0)", openaevtest.Version24, []string{"SUCCESS", "ERROR"}, "PARTIAL"},
		{"success twice (Current)", openaevtest.Current, []string{"SUCCESS", "EXECUTED"}, "EXECUTED"},
		{"timeout, re-run, invalid usage (2.4.0)", openaevtest.Version24, []string{"TIMEOUT", "INVALID_USAGE"}, "ERROR"},
		{"INFO (Current)", openaevtest.Current, []string{"INFO"}, "PARTIAL"},
		{"INFO (2.4.0)", openaevtest.Version24, []string{"INFO"}, "PARTIAL"},
		{"ASSET_AGENTLESS (2.4.0)", openaevtest.Version24, []string{"ASSET_AGENTLESS"}, "PARTIAL"},
		{"AGENT_OVERLOADED (Current)", openaevtest.Current, []string{"AGENT_OVERLOADED"}, "PARTIAL"},
		{"ACCESS_DENIED (2.4.0)", openaevtest.Version24, []string{"ACCESS_DENIED"}, "SUCCESS"},
		{"ACCESS_DENIED (Current)", openaevtest.Current, []string{"ACCESS_DENIED"}, "EXECUTED"},
		{"WARNING (2.4.0)", openaevtest.Version24, []string{"WARNING"}, "SUCCESS"},
		{"cleanup failure (Current)", openaevtest.Current, []string{"EXECUTED_WITH_CLEANUP_FAILURE"}, "EXECUTED"},
		{"deprecated PARTIAL (2.4.0)", openaevtest.Version24, []string{"PARTIAL"}, "ERROR"},
		{"deprecated MAYBE_PREVENTED (Current)", openaevtest.Current, []string{"MAYBE_PREVENTED"}, "ERROR"},
		{"success and INFO (2.4.0)", openaevtest.Version24, []string{"SUCCESS", "INFO"}, "SUCCESS"},
		{"error and INFO (Current)", openaevtest.Current, []string{"ERROR", "INFO"}, "ERROR"},
		{"AGENT_INACTIVE only (Current)", openaevtest.Current, []string{"AGENT_INACTIVE"}, "ERROR"},
		{"AGENT_INACTIVE left out (2.4.0)", openaevtest.Version24, []string{"AGENT_INACTIVE", "SUCCESS"}, "SUCCESS"},
		// A dropped "complete" leaves no trace: it counts for nothing.
		{"dropped EXECUTED, then success (2.4.0)", openaevtest.Version24, []string{"EXECUTED", "SUCCESS"}, "SUCCESS"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := platformWithNmap(t, openaevtest.WithVersion(tt.version))
			for i, status := range tt.completes {
				if i > 0 {
					if st, _ := postJSON(t, p, "/api/injects/execution/reception/i1", map[string]any{"tracking_total_count": 1}); st != 200 {
						t.Fatalf("reception %d: %d", i+1, st)
					}
				}
				if st, _ := postJSON(t, p, "/api/injects/execution/callback/i1", callback("complete", status, nil)); st != 200 {
					t.Fatalf("complete %s: %d", status, st)
				}
			}
			if got := p.InjectStatus("i1"); got != tt.want {
				t.Errorf("completes %s: inject %s, the platform computes %s", strings.Join(tt.completes, ", "), got, tt.want)
			}
			if _, body := get(t, p, "/api/injects/i1"); !contains(body, `"status_name":"`+tt.want+`"`) {
				t.Errorf("GET inject: %s, want status_name %s", body, tt.want)
			}
		})
	}
}
