package runtime_test

import (
	"context"
	"errors"
	"testing"

	"go.uber.org/zap/zapcore"

	"github.com/injectkit/injectkit/framework"
	"github.com/injectkit/injectkit/framework/frameworktest"
	"github.com/injectkit/injectkit/runtime"
	"github.com/injectkit/injectkit/signatures"
)

// TestRunStepLevel: the steps' lines are INFO by default; with
// WithStepLevel(DEBUG), a daemon's, they are DEBUG and the run's last
// line, INFO "delivered" or ERROR "delivery failed", carries what the
// "executed" line says (ran, results_reported, not_reached, exit_code,
// its error as injector_error), so that nothing an operator reads at INFO of a run is lost.
func TestRunStepLevel(t *testing.T) {
	steps := []string{"pre-execution signatures compiled", "executed", "payload built"}
	ex := &frameworktest.Executor{Run: func(_ context.Context, in *framework.Inject) framework.ToolOutput {
		in.Partial("10.0.0.1:22/tcp open ssh")
		return framework.ToolOutput{Status: framework.StatusPartial,
			ErrorInfo: &framework.ErrorInfo{ExitCode: 1, Message: "one host down"},
			Unreached: map[framework.Target]string{{Config: signatures.NetworkConfig{TargetIPv4: "10.0.0.2"}}: "host down"}}
	}}
	tests := []struct {
		name     string
		opts     []runtime.Option
		err      error // the deliverer's
		level    zapcore.Level
		last     string
		lastKeys []string // the executed line's keys the last line carries
	}{
		{"default", nil, nil, zapcore.InfoLevel, "delivered", nil},
		{"debug", []runtime.Option{runtime.WithStepLevel(zapcore.DebugLevel)}, nil, zapcore.DebugLevel, "delivered",
			[]string{"ran", "results_reported", "not_reached", "exit_code", "injector_error"}},
		{"debug, delivery failed", []runtime.Option{runtime.WithStepLevel(zapcore.DebugLevel)}, errors.New("down"), zapcore.DebugLevel,
			"delivery failed", []string{"ran", "results_reported", "not_reached", "exit_code", "injector_error"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rt, logs := newRuntime(t, ex, &recorder{err: tt.err}, tt.opts...)
			_, _ = rt.Run(context.Background(), runtime.Request{Injector: "fake",
				Targets: []runtime.TargetSpec{{Value: "10.0.0.1"}, {Value: "10.0.0.2"}}})
			for _, msg := range steps {
				lines := logs.FilterMessage(msg).All()
				if len(lines) != 1 || lines[0].Level != tt.level {
					t.Errorf("%q: %d lines %v, want one at %v", msg, len(lines), lines, tt.level)
				}
			}
			lines := logs.FilterMessage(tt.last).All()
			if len(lines) != 1 {
				t.Fatalf("%d %q lines", len(lines), tt.last)
			}
			m := lines[0].ContextMap()
			for _, k := range tt.lastKeys {
				if _, ok := m[k]; !ok {
					t.Errorf("%q carries %v, without %s", tt.last, m, k)
				}
			}
			if _, ok := m["ran"]; ok && tt.lastKeys == nil {
				t.Errorf("%q carries ran with the steps at INFO: %v", tt.last, m)
			}
			if tt.lastKeys != nil && (m["results_reported"] != int64(1) || m["not_reached"] != int64(1) || m["injector_error"] != "one host down") {
				t.Errorf("%q carries %v, want results_reported 1, not_reached 1, injector_error one host down", tt.last, m)
			}
		})
	}
}
