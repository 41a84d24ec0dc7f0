package frameworktest

import (
	"fmt"
	"strconv"
	"strings"
	"testing"

	"github.com/injectkit/injectkit/framework"
)

// Rules of ConformanceWith that the executor's behaviour may leave
// unexercised: a rule on the extras of a live output holding none is kept
// by an executor that never returns any, and is not checked of one that
// returns them only on other targets. The names are those NotExercised
// reports.
const (
	RuleCancelledWhileRunning = "honours a cancellation while it runs"
	RuleSucceededOutput       = "the output of a live inject that did not fail"
	RuleFindings              = "Findings JSON can encode"
	RuleExtraSignatures       = "ExtraSignatures collide with no core field nor one another"
	RuleExtraByType           = "ExtraByType keyed by expectation types"
	RuleTargetExtras          = "TargetExtras keyed by the inject's targets"
	RuleUnreached             = "Unreached keyed by the inject's targets"
	RuleTargetStatus          = "TargetStatus keyed by the inject's targets, each an outcome"
)

// notExercised records that rule was not exercised, and why.
func (c *checker) notExercised(rule, why string) {
	c.uncovered = append(c.uncovered, fmt.Sprintf("rule %q never triggered: %s", rule, why))
}

// liveCoverage records the rules of the live output's parts that out,
// the live inject's, did not exercise: every one of them when it failed
// (its failure alone was checked), else each part it left empty. A
// failure is told with its message, the values of the Secret settings
// given replaced by [REDACTED] (as written; the runtime also replaces
// their encodings, which checkSecrets reports apart): the exit code
// alone left a newcomer whose ParamsOf named another type than NewParams
// returns to guess why (tester t155).
func (c *checker) liveCoverage(t testing.TB, out framework.ToolOutput) {
	t.Helper()
	if out.ExecutionStatus() == framework.StatusFailed {
		why := "the live inject failed"
		if out.ErrorInfo != nil {
			why += fmt.Sprintf(" (exit code %d", out.ErrorInfo.ExitCode)
			if out.ErrorInfo.Message != "" {
				why += ", message " + strconv.Quote(c.redacted(t, out.ErrorInfo.Message))
			}
			why += ")"
		}
		c.notExercised(RuleSucceededOutput, why+": give Options.Targets, Params and Settings it can run with (ConformanceWith: Conformance takes targets alone)")
		return
	}
	parts := []struct {
		rule  string
		empty bool
	}{
		{RuleFindings, len(out.Findings) == 0},
		{RuleExtraSignatures, len(out.ExtraSignatures) == 0},
		{RuleExtraByType, len(out.ExtraByType) == 0},
		{RuleTargetExtras, len(out.TargetExtras) == 0},
		{RuleUnreached, len(out.Unreached) == 0},
		{RuleTargetStatus, len(out.TargetStatus) == 0},
	}
	for _, p := range parts {
		if p.empty {
			c.notExercised(p.rule, "the live inject returned none")
		}
	}
}

// reportCoverage reports the rules not exercised (notExercised), one line
// each: logged, or, with Options.FailNotExercised, failures.
func (c *checker) reportCoverage(t testing.TB) {
	t.Helper()
	for _, u := range c.uncovered {
		if c.o.FailNotExercised {
			t.Errorf("Conformance did not cover a rule: %s", u)
		} else {
			t.Logf("Conformance did not cover a rule: %s", u)
		}
	}
}

// redacted is msg with the value of each Secret setting the live inject
// was configured with replaced by [REDACTED].
func (c *checker) redacted(t testing.TB, msg string) string {
	t.Helper()
	settings := c.settings(t)
	for _, s := range c.m.Settings {
		if v := settings[s.Key]; s.Secret && v != "" {
			msg = strings.ReplaceAll(msg, v, "[REDACTED]")
		}
	}
	return msg
}
