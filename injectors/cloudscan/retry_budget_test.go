package cloudscan

import (
	"path/filepath"
	"strings"
	"testing"
)

// TestRetryBudgetExhaustedSaysSo runs twelve EC2 checks, one at a time,
// each answered with the same error whatever it tries, with ten attempts
// a call: the inject's retry budget (the SDK's 500 tokens) ends the
// retries of the last calls for want of budget, not of attempts. A retry
// of a throttling error (RequestLimitExceeded) costs 5 tokens: the budget
// covers the nine retries of eleven calls and one of the twelfth, which
// then ends so. A retry of any other transient error (a 503
// ServiceUnavailable) costs 14: it covers the nine retries of three calls
// and eight of the fourth, the eight calls after it getting none. Each
// such call's error says so, typed (retry_budget_exhausted) and in
// words, and the run's message starts with their count; the calls the
// budget allowed end as before. Which calls are last depends on the
// pool's order, so these are no golden cases.
func TestRetryBudgetExhaustedSaysSo(t *testing.T) {
	for _, tc := range []struct {
		dir, code string
		exhausted int
		message   string
	}{
		{"retry_budget_exhausted", "RequestLimitExceeded", 1, "the inject's retry budget ran out: 1 call not retried; "},
		{"retry_budget_exhausted_transient", "ServiceUnavailable", 9, "the inject's retry budget ran out: 9 calls not retried; "},
	} {
		t.Run(tc.dir, func(t *testing.T) {
			spec, st, out := runCase(t, filepath.Join("testdata", tc.dir))
			for event, n := range spec.WantCounts {
				if got := st.count(event); got != n {
					t.Errorf("stand-in answered %s %d times, want %d", event, got, n)
				}
			}
			if out.ExecutionStatus() != spec.WantStatus {
				t.Errorf("status %s, want %s", out.ExecutionStatus(), spec.WantStatus)
			}
			if out.ErrorInfo == nil || !strings.HasPrefix(out.ErrorInfo.Message, tc.message) {
				t.Errorf("error_info %+v, want a message starting %q", out.ErrorInfo, tc.message)
			}
			configs, _ := out.Findings[FieldConfigs].([]*ConfigResult)
			if len(configs) != len(spec.Targets) {
				t.Fatalf("%d configs, want %d", len(configs), len(spec.Targets))
			}
			exhausted := 0
			for _, c := range configs {
				for _, ce := range c.Checks[ServiceEC2].Errors {
					if ce.Code != tc.code {
						t.Errorf("%s: error %+v, want %s", c.CloudRegion, ce, tc.code)
					}
					budget := strings.Contains(ce.Message, "not retried: the inject's retry budget ran out")
					if budget != ce.RetryBudgetExhausted {
						t.Errorf("%s: message %q, retry_budget_exhausted %v: want both or neither", c.CloudRegion, ce.Message, ce.RetryBudgetExhausted)
					}
					if ce.RetryBudgetExhausted {
						exhausted++
					}
				}
			}
			if exhausted != tc.exhausted {
				t.Errorf("%d calls ended by the retry budget, want %d", exhausted, tc.exhausted)
			}
		})
	}
}
