package cloudscan

import (
	"path/filepath"
	"strings"
	"testing"
)

// TestRetryBudgetExhaustedSaysSo runs twelve EC2 checks, one at a time,
// each answered RequestLimitExceeded whatever it tries, with ten attempts
// a call: the inject's retry budget (the SDK's 500 tokens, 5 a retry)
// covers the nine retries of eleven calls and one of the twelfth, which
// then ends for want of budget, not of attempts. Its error says so, typed
// (retry_budget_exhausted) and in words, and the run's message starts
// with it; the calls the budget allowed end as before. Which call is last
// depends on the pool's order, so this is no golden case.
func TestRetryBudgetExhaustedSaysSo(t *testing.T) {
	spec, st, out := runCase(t, filepath.Join("testdata", "retry_budget_exhausted"))
	for event, n := range spec.WantCounts { // 11 calls of 10 attempts, one of 2
		if got := st.count(event); got != n {
			t.Errorf("stand-in answered %s %d times, want %d", event, got, n)
		}
	}
	if out.ExecutionStatus() != spec.WantStatus {
		t.Errorf("status %s, want %s", out.ExecutionStatus(), spec.WantStatus)
	}
	const want = "the inject's retry budget ran out: 1 call not retried; "
	if out.ErrorInfo == nil || !strings.HasPrefix(out.ErrorInfo.Message, want) {
		t.Errorf("error_info %+v, want a message starting %q", out.ErrorInfo, want)
	}
	configs, _ := out.Findings[FieldConfigs].([]*ConfigResult)
	if len(configs) != len(spec.Targets) {
		t.Fatalf("%d configs, want %d", len(configs), len(spec.Targets))
	}
	exhausted := 0
	for _, c := range configs {
		for _, ce := range c.Checks[ServiceEC2].Errors {
			if ce.Code != "RequestLimitExceeded" {
				t.Errorf("%s: error %+v, want RequestLimitExceeded", c.CloudRegion, ce)
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
	if exhausted != 1 {
		t.Errorf("%d calls ended by the retry budget, want 1", exhausted)
	}
}
