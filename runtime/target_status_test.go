package runtime_test

import (
	"context"
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
// naming no target is ignored with one WARN line; an unknown outcome is
// malformed output, the run failed naming it.
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
		wantMsg    string
	}{
		{"each its own", map[framework.Target]framework.ExecutionStatus{ip("10.0.0.1"): framework.StatusSuccess, ptr: framework.StatusFailed},
			framework.StatusPartial, []framework.ExecutionStatus{framework.StatusSuccess, framework.StatusFailed}, 0, ""},
		{"one given", map[framework.Target]framework.ExecutionStatus{ip("10.0.0.1"): framework.StatusSuccess},
			framework.StatusPartial, []framework.ExecutionStatus{framework.StatusSuccess, ""}, 0, ""},
		{"none given", nil, framework.StatusPartial, []framework.ExecutionStatus{"", ""}, 0, ""},
		{"a key of no target", map[framework.Target]framework.ExecutionStatus{ip("10.0.0.9"): framework.StatusFailed},
			framework.StatusPartial, []framework.ExecutionStatus{"", ""}, 1, ""},
		{"an unknown outcome", map[framework.Target]framework.ExecutionStatus{ip("10.0.0.1"): "done"},
			framework.StatusFailed, []framework.ExecutionStatus{"", ""}, 0, `target_status[{"target_ipv4":"10.0.0.1"}]`},
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
			if tt.wantMsg != "" && (rep.Output.ErrorInfo == nil || !strings.Contains(rep.Output.ErrorInfo.Message, tt.wantMsg)) {
				t.Errorf("error info %+v, want it to name %s", rep.Output.ErrorInfo, tt.wantMsg)
			}
		})
	}
}
