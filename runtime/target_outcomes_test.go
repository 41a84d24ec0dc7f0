package runtime_test

import (
	"context"
	"fmt"
	"reflect"
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
				// target_names: "targets" is a count in the other lines
				// of a run, and one JSON field keeps one type.
				if s := w.ContextMap()["target_names"]; !strings.Contains(fmt.Sprint(s), `"target_ipv4":"10.0.0.`) {
					t.Errorf("WARN names %v, want the target and its value", s)
				}
				if _, ok := w.ContextMap()["targets"]; ok {
					t.Errorf("WARN has a \"targets\" field: %v", w.ContextMap())
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

// TestRunTargetsNotReached checks that a target the executor says it sent
// nothing to (ToolOutput.Unreached) carries nothing a collector could match
// (no source or target address, no time, no extra): its groups hold the
// run's status and why alone, while the others keep theirs; the run keeps
// its outcome when another target was reached and fails when none was,
// unless the run was cut short (a timeout stays one whatever it reached); a
// key naming no target is ignored, with one WARN line naming it.
func TestRunTargetsNotReached(t *testing.T) {
	ip := func(a string) framework.Target {
		return framework.Target{Config: signatures.NetworkConfig{TargetIPv4: a}}
	}
	two := []runtime.TargetSpec{{Value: "10.0.0.1"}, {Value: "10.0.0.2"}}
	tests := []struct {
		name       string
		status     framework.ExecutionStatus
		unreached  map[framework.Target]string
		wantStatus framework.ExecutionStatus
		want       []string // each target's not_reached ("": reached)
		warns      int
		message    string // the executor's error message
		wantMsg    string // the run's, when it is failed
	}{
		{"one of two", framework.StatusPartial, map[framework.Target]string{ip("10.0.0.2"): "not scanned: the name does not resolve"},
			framework.StatusPartial, []string{"", "not scanned: the name does not resolve"}, 0, "", ""},
		{"no reason given", framework.StatusSuccess, map[framework.Target]string{ip("10.0.0.1"): ""},
			framework.StatusSuccess, []string{"not reached", ""}, 0, "", ""},
		{"none reached", framework.StatusPartial, map[framework.Target]string{ip("10.0.0.1"): "a", ip("10.0.0.2"): "b"},
			framework.StatusFailed, []string{"a", "b"}, 0, "", "no target was reached"},
		{"none reached, the executor's message after", framework.StatusPartial, map[framework.Target]string{ip("10.0.0.1"): "a", ip("10.0.0.2"): "b"},
			framework.StatusFailed, []string{"a", "b"}, 0, "tool said x", "no target was reached; tool said x"},
		{"none reached, failed by the executor: its message kept", framework.StatusFailed, map[framework.Target]string{ip("10.0.0.1"): "a", ip("10.0.0.2"): "b"},
			framework.StatusFailed, []string{"a", "b"}, 0, "nmap reported no host for any target (x)", "nmap reported no host for any target (x)"},
		{"none reached, cut short: the timeout kept", framework.StatusTimeout, map[framework.Target]string{ip("10.0.0.1"): "a", ip("10.0.0.2"): "b"},
			framework.StatusTimeout, []string{"a", "b"}, 0, "", ""},
		{"none reached, cut short with a message: the timeout kept", framework.StatusTimeout, map[framework.Target]string{ip("10.0.0.1"): "a", ip("10.0.0.2"): "b"},
			framework.StatusTimeout, []string{"a", "b"}, 0, "deadline exceeded", ""},
		{"none reached, no status given (a success)", "", map[framework.Target]string{ip("10.0.0.1"): "a", ip("10.0.0.2"): "b"},
			framework.StatusFailed, []string{"a", "b"}, 0, "", "no target was reached"},
		{"one of two, cut short", framework.StatusTimeout, map[framework.Target]string{ip("10.0.0.2"): "b"},
			framework.StatusTimeout, []string{"", "b"}, 0, "", ""},
		{"a key of no target", framework.StatusSuccess, map[framework.Target]string{ip("10.0.0.9"): "x"},
			framework.StatusSuccess, []string{"", ""}, 1, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ex := &frameworktest.Executor{Run: func(context.Context, *framework.Inject) framework.ToolOutput {
				var info *framework.ErrorInfo
				if tt.message != "" {
					info = &framework.ErrorInfo{Message: tt.message}
				}
				return framework.ToolOutput{Status: tt.status, Unreached: tt.unreached, ErrorInfo: info,
					ExtraSignatures: map[string]any{"parent_process_name": "fake"},
					ExtraByType:     framework.TypeExtras{framework.Detection: {"k": 1}},
					TargetExtras: map[framework.Target]framework.TypeExtras{
						ip("10.0.0.1"): {framework.Detection: {"t": 1}}, ip("10.0.0.2"): {framework.Detection: {"t": 2}}}}
			}}
			rt, logs := newRuntime(t, ex, &recorder{})
			rep, err := rt.Run(context.Background(), runtime.Request{Injector: "fake", Targets: two,
				ExpectationTypes: []string{"DETECTION", "PREVENTION"}})
			if err != nil {
				t.Fatal(err)
			}
			if rep.Status != tt.wantStatus {
				t.Errorf("status %s, want %s", rep.Status, tt.wantStatus)
			}
			p := payload(t, rep)
			for i, why := range tt.want {
				if got := rep.NotReached(i); got != why {
					t.Errorf("NotReached(%d) = %q, want %q", i, got, why)
				}
				for _, g := range p.Targets[i].SignatureValues {
					got := map[string]any{}
					for _, v := range g.Values {
						got[v.SignatureType] = v.SignatureValue
					}
					if why == "" {
						if got["target_ipv4"] == nil || got["start_time"] == nil || got["parent_process_name"] == nil {
							t.Errorf("reached target %d, %s: %v, want its signatures", i, g.ExpectationType, got)
						}
						continue
					}
					want := map[string]any{"execution_status": string(tt.wantStatus), "not_reached": why}
					if !reflect.DeepEqual(got, want) {
						t.Errorf("target %d not reached, %s: %v, want %v", i, g.ExpectationType, got, want)
					}
				}
				if why != "" && !reflect.DeepEqual(rep.Signature(i), signatures.NotReachedSignature(tt.wantStatus, why)) {
					t.Errorf("Signature(%d) = %+v", i, rep.Signature(i))
				}
			}
			// Unreached yields the same, from the run's report and from
			// one built by hand of its targets and output.
			for name, r := range map[string]*runtime.Report{"run": rep, "by hand": {Targets: rep.Targets, Output: rep.Output}} {
				got := make([]string, len(tt.want))
				for i, why := range r.Unreached() {
					got[i] = why
				}
				if !reflect.DeepEqual(got, tt.want) {
					t.Errorf("%s: Unreached yields %q, want %q", name, got, tt.want)
				}
			}
			if tt.wantStatus == framework.StatusFailed && rep.Output.ErrorInfo.Message != tt.wantMsg {
				t.Errorf("message %q, want %q (docs/wire-format.md)", rep.Output.ErrorInfo.Message, tt.wantMsg)
			}
			warns := logs.FilterLevelExact(zapcore.WarnLevel).FilterMessageSnippet("not reached").All()
			if len(warns) != tt.warns || tt.warns > 0 && !strings.Contains(fmt.Sprint(warns[0].ContextMap()["target_names"]), "10.0.0.9") {
				t.Errorf("WARN lines %v, want %d naming 10.0.0.9", warns, tt.warns)
			}
			// PayloadOf, the executor's tests' view, says the same: the
			// same targets not reached, with the run's outcome (one rule
			// for both: a timeout stays one).
			in := &framework.Inject{Targets: []framework.Target{ip("10.0.0.1"), ip("10.0.0.2")},
				ExpectationTypes: []framework.ExpectationType{framework.Detection}}
			of, err := runtime.PayloadOf(pinnedManager(), in, ex.Execute(context.Background(), in))
			if err != nil {
				t.Fatal(err)
			}
			for i, why := range tt.want {
				vals := of.Targets[i].SignatureValues[0].Values
				if (why != "") != (len(vals) == 2 && vals[1].SignatureValue == why) {
					t.Errorf("PayloadOf target %d: %v, want not_reached %q alone", i, vals, why)
				}
				if why != "" && vals[0].SignatureValue != string(tt.wantStatus) {
					t.Errorf("PayloadOf target %d: %v, want execution_status %s as Run's", i, vals, tt.wantStatus)
				}
			}
		})
	}
}
