package framework_test

import (
	"testing"

	"github.com/injectkit/injectkit/framework"
	"github.com/injectkit/injectkit/signatures"
)

// TestOutputValidateLeavesExtraNamesToExtrasErrors pins the division the
// guide (section 7) documents: ToolOutput.Validate checks the status, the
// exit code and a failed run's crash timestamp; an extra named like a
// core field or its platform type is signatures.ExtrasErrors' to refuse.
func TestOutputValidateLeavesExtraNamesToExtrasErrors(t *testing.T) {
	for _, name := range []string{"start_time", "Target_IPv4", "start_date"} {
		out := framework.ToolOutput{ExtraSignatures: map[string]any{name: "x"}}
		if err := out.Validate(); err != nil {
			t.Errorf("Validate of extra %q: %v; the guide says it checks no extra", name, err)
		}
		refused := false
		for range signatures.ExtrasErrors(out.ExtraSignatures) {
			refused = true
		}
		if !refused {
			t.Errorf("signatures.ExtrasErrors let extra %q pass", name)
		}
	}
	for _, out := range []framework.ToolOutput{
		{Status: "maybe"},
		{ErrorInfo: &framework.ErrorInfo{ExitCode: 2}},
		{Status: framework.StatusFailed, ErrorInfo: &framework.ErrorInfo{CrashTimestamp: "yesterday"}},
	} {
		if out.Validate() == nil {
			t.Errorf("Validate accepted %+v", out)
		}
	}
}
