package frameworktest_test

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/injectkit/injectkit/framework"
	"github.com/injectkit/injectkit/framework/frameworktest"
)

// full returns every part of an output Conformance checks, once its
// context is done: it covers every rule.
func full(ctx context.Context, in *framework.Inject) framework.ToolOutput {
	<-ctx.Done()
	tg := in.Targets[0]
	return framework.ToolOutput{Status: framework.StatusSuccess,
		Findings:        map[string]any{"summary": "ok"},
		ExtraSignatures: map[string]any{"probe_port": 8080},
		ExtraByType:     framework.TypeExtras{framework.Detection: {"probe_type": 1}},
		TargetExtras:    map[framework.Target]framework.TypeExtras{tg: {framework.Detection: {"probe_target": 1}}},
		Unreached:       map[framework.Target]string{tg: "not scanned"},
		TargetStatus:    map[framework.Target]framework.ExecutionStatus{tg: framework.StatusFailed}}
}

// Conformance names each rule the executor never gave it a case of, in
// a logged line (a failure with FailNotExercised), and no rule it
// exercised. (Whether an executor that returns at once, not consulting its
// context, returned before the cancellation hangs on the scheduler: that
// rule is asserted only of one that waits on its context, never said.)
func TestConformanceReportsRulesNotExercised(t *testing.T) {
	failing := func(context.Context, *framework.Inject) framework.ToolOutput {
		return framework.ToolOutput{Status: framework.StatusFailed, ErrorInfo: &framework.ErrorInfo{ExitCode: 127, Message: "nmap: not found"}}
	}
	tests := []struct {
		name    string
		ex      framework.Executor
		want    []string
		notWant []string
	}{
		{"extras alone, returns at once", &probe{},
			[]string{frameworktest.RuleFindings, frameworktest.RuleExtraByType,
				frameworktest.RuleTargetExtras, frameworktest.RuleUnreached, frameworktest.RuleTargetStatus},
			[]string{frameworktest.RuleExtraSignatures, frameworktest.RuleSucceededOutput}},
		{"the live inject failed", &probe{exec: failing},
			[]string{frameworktest.RuleSucceededOutput},
			[]string{frameworktest.RuleFindings, frameworktest.RuleExtraSignatures}},
		{"every part, waiting on its context", &probe{exec: full}, nil,
			[]string{frameworktest.RuleCancelledWhileRunning, frameworktest.RuleSucceededOutput, frameworktest.RuleFindings,
				frameworktest.RuleExtraSignatures, frameworktest.RuleExtraByType, frameworktest.RuleTargetExtras,
				frameworktest.RuleUnreached, frameworktest.RuleTargetStatus}},
	}
	for _, tt := range tests {
		for _, strict := range []bool{false, true} {
			name := tt.name
			if strict {
				name += "/FailNotExercised"
			}
			t.Run(name, func(t *testing.T) {
				o := fast
				o.FailNotExercised = strict
				r := &recorder{TB: t}
				done := make(chan struct{})
				go func() {
					defer close(done)
					frameworktest.ConformanceWith(r, tt.ex, o)
				}()
				<-done
				reported, other := r.logged(), r.messages()
				if strict {
					reported, other = r.messages(), r.logged()
				}
				said := func(lines []string, rule string) bool {
					return slices.ContainsFunc(lines, func(l string) bool {
						return strings.Contains(l, `rule "`+rule+`" never triggered`)
					})
				}
				for _, rule := range tt.want {
					if !said(reported, rule) {
						t.Errorf("rule %q not reported as never triggered; reported %q", rule, reported)
					}
					if said(other, rule) {
						t.Errorf("rule %q reported as a failure and logged both", rule)
					}
				}
				for _, rule := range tt.notWant {
					if said(reported, rule) || said(other, rule) {
						t.Errorf("rule %q reported as never triggered, though it was", rule)
					}
				}
				if len(r.messages()) != 0 && (!strict || len(tt.want) == 0) {
					t.Errorf("failures %q", r.messages())
				}
			})
		}
	}
}

// TestConformanceTellsWhyTheLiveInjectFailed: a live inject that failed
// was logged with its exit code alone ("the live inject failed (exit code
// 0)"), and a newcomer whose ParamsOf named another struct than NewParams
// returns could not tell why (tester t155). The line now quotes the
// failure's message, the value of a Secret setting replaced by
// [REDACTED], as the runtime replaces it.
func TestConformanceTellsWhyTheLiveInjectFailed(t *testing.T) {
	const key = "sk_live_0123456789abcdef"
	ex := &secretProbe{leak: func(k string, _ *framework.Inject) framework.ToolOutput {
		return framework.ToolOutput{Status: framework.StatusFailed, ErrorInfo: &framework.ErrorInfo{ExitCode: 1, Message: "401 for key " + k}}
	}}
	o := fast
	o.Settings = map[string]string{"api_key": key}
	r := &recorder{TB: t}
	done := make(chan struct{})
	go func() {
		defer close(done)
		frameworktest.ConformanceWith(r, ex, o)
	}()
	<-done
	const want = `rule "the output of a live inject that did not fail" never triggered: the live inject failed ` +
		`(exit code 1, message "401 for key [REDACTED]"): give Options.Targets, Params and Settings it can run with`
	if !slices.ContainsFunc(r.logged(), func(l string) bool { return strings.Contains(l, want) }) {
		t.Errorf("Conformance logged %q; want a line saying %s", r.logged(), want)
	}
	for _, l := range append(r.logged(), r.messages()...) {
		if strings.Contains(l, key) {
			t.Errorf("Conformance quoted the secret: %q", l)
		}
	}
}
