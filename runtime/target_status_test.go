package runtime_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"go.uber.org/zap/zapcore"

	"github.com/injectkit/injectkit/framework"
	"github.com/injectkit/injectkit/framework/frameworktest"
	"github.com/injectkit/injectkit/runtime"
	"github.com/injectkit/injectkit/signatures"
)

// TestRunTargetStatus: the targets' own outcomes (ToolOutput.TargetStatus)
// reach the report by position, a pointer configuration's by the value it
// points to, whatever the run's outcome, which they do not change; a key
// naming no target is ignored with one WARN line, and so is an outcome
// that is none of the four ("" among them): the run's outcome and
// signatures are the executor's, whatever its targets' outcomes say.
func TestRunTargetStatus(t *testing.T) {
	ip := func(a string) framework.Target {
		return framework.Target{Config: signatures.NetworkConfig{TargetIPv4: a}}
	}
	ptr := framework.Target{Config: &signatures.NetworkConfig{TargetIPv4: "10.0.0.2"}}
	tests := []struct {
		name       string
		own        map[framework.Target]framework.ExecutionStatus
		wantStatus framework.ExecutionStatus
		want       []framework.ExecutionStatus
		warns      int
		unknown    int // WARN lines naming unknown outcomes
	}{
		{"each its own", map[framework.Target]framework.ExecutionStatus{ip("10.0.0.1"): framework.StatusSuccess, ptr: framework.StatusFailed},
			framework.StatusPartial, []framework.ExecutionStatus{framework.StatusSuccess, framework.StatusFailed}, 0, 0},
		{"one given", map[framework.Target]framework.ExecutionStatus{ip("10.0.0.1"): framework.StatusSuccess},
			framework.StatusPartial, []framework.ExecutionStatus{framework.StatusSuccess, ""}, 0, 0},
		{"none given", nil, framework.StatusPartial, []framework.ExecutionStatus{"", ""}, 0, 0},
		{"a key of no target", map[framework.Target]framework.ExecutionStatus{ip("10.0.0.9"): framework.StatusFailed},
			framework.StatusPartial, []framework.ExecutionStatus{"", ""}, 1, 0},
		{"an unknown outcome", map[framework.Target]framework.ExecutionStatus{ip("10.0.0.1"): "done", ptr: framework.StatusFailed},
			framework.StatusPartial, []framework.ExecutionStatus{"", framework.StatusFailed}, 0, 1},
		{"an empty outcome", map[framework.Target]framework.ExecutionStatus{ip("10.0.0.1"): ""},
			framework.StatusPartial, []framework.ExecutionStatus{"", ""}, 0, 1},
		{"an unknown outcome hidden by a known one of the same target", map[framework.Target]framework.ExecutionStatus{ip("10.0.0.2"): "done", ptr: framework.StatusFailed},
			framework.StatusPartial, []framework.ExecutionStatus{"", framework.StatusFailed}, 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ex := &frameworktest.Executor{Run: func(context.Context, *framework.Inject) framework.ToolOutput {
				return framework.ToolOutput{Status: framework.StatusPartial, TargetStatus: tt.own}
			}}
			rt, logs := newRuntime(t, ex, &recorder{})
			rep, err := rt.Run(context.Background(), runtime.Request{Injector: "fake",
				Targets: []runtime.TargetSpec{{Value: "10.0.0.1"}, {Value: "10.0.0.2"}}, ExpectationTypes: []string{"DETECTION"}})
			if err != nil {
				t.Fatal(err)
			}
			if rep.Status != tt.wantStatus {
				t.Errorf("status %s, want %s", rep.Status, tt.wantStatus)
			}
			for i, want := range tt.want {
				if got := rep.TargetStatus(i); got != want {
					t.Errorf("TargetStatus(%d) = %q, want %q", i, got, want)
				}
			}
			if n := logs.FilterLevelExact(zapcore.WarnLevel).FilterMessageSnippet("outcomes of targets it was not given").Len(); n != tt.warns {
				t.Errorf("%d WARN lines, want %d", n, tt.warns)
			}
			if got := rep.Signature(0).ExecutionStatus; got != signatures.ExecutionStatus(tt.wantStatus) {
				t.Errorf("signature 0 holds status %q, want the run's %q", got, tt.wantStatus)
			}
			warns := logs.FilterLevelExact(zapcore.WarnLevel).FilterMessageSnippet("none of success, partial, failed, timeout").All()
			if len(warns) != tt.unknown {
				t.Errorf("%d WARN lines of unknown outcomes, want %d", len(warns), tt.unknown)
			}
			for _, w := range warns {
				if s := w.ContextMap()["targets"]; !strings.Contains(fmt.Sprint(s), `"target_ipv4":"10.0.0.`) {
					t.Errorf("WARN names %v, want the target and its value", s)
				}
			}
		})
	}
}

// TestReportTargetStatusesManyTargets: the own outcomes of a Report built
// outside the runtime are matched to its targets once a range, not once a
// target (what reads every target's outcome, the openaev profile's
// per-target traces, ranges over TargetStatuses); an outcome that is none
// of the four is left out, as the runtime leaves it out.
func TestReportTargetStatusesManyTargets(t *testing.T) {
	const n = 1000
	targets := make([]framework.Target, n)
	own := make(map[framework.Target]framework.ExecutionStatus, n)
	for i := range targets {
		targets[i] = framework.Target{Config: signatures.NetworkConfig{TargetIPv4: fmt.Sprintf("10.0.%d.%d", i/256, i%256)}}
		own[targets[i]] = framework.StatusSuccess
	}
	own[targets[7]], own[targets[300]] = framework.StatusFailed, "done"
	r := runtime.Report{Injector: "custom", Status: framework.StatusPartial, Targets: targets,
		Output: framework.ToolOutput{TargetStatus: own}}
	var failed, counted int
	allocs := testing.AllocsPerRun(3, func() {
		failed, counted = 0, 0
		for i, st := range r.TargetStatuses() {
			counted++
			if st == framework.StatusFailed && i == 7 {
				failed++
			}
		}
	})
	if failed != 1 || counted != n-1 {
		t.Errorf("%d outcomes, target 7's failed %d times; want %d, once", counted, failed, n-1)
	}
	if got := r.TargetStatus(300); got != "" {
		t.Errorf("TargetStatus(300) = %q, want none (its outcome is none of the four)", got)
	}
	if allocs > n {
		t.Errorf("%.0f allocations for %d targets", allocs, n)
	}
}
