package runtime_test

import (
	"context"
	"testing"

	"github.com/injectkit/injectkit/framework"
	"github.com/injectkit/injectkit/framework/frameworktest"
	"github.com/injectkit/injectkit/runtime"
)

// TestValidateAgreesWithTheRuntime checks that ToolOutput.Validate (what
// frameworktest.Conformance checks) accepts exactly the outputs the
// runtime delivers as they are: an output Validate refuses is replaced by
// a failed one ("invalid executor output: …", the refusal's message), one
// it accepts keeps the tool's own message.
func TestValidateAgreesWithTheRuntime(t *testing.T) {
	failed := func(ts string) framework.ToolOutput {
		return framework.ToolOutput{Status: framework.StatusFailed,
			ErrorInfo: &framework.ErrorInfo{ExitCode: 7, CrashTimestamp: ts, Message: "tool crashed"}}
	}
	tests := []struct {
		name string
		out  framework.ToolOutput
	}{
		{"failed, no crash timestamp", failed("")},
		{"failed, crash timestamp to the nanosecond", failed("2026-11-27T09:59:59.123456789Z")},
		{"failed, crash timestamp with an offset", failed("2026-11-27T23:59:59+14:00")},
		{"failed, crash timestamp not a time", failed("yesterday\x00")},
		{"failed, crash timestamp with a space", failed("2026-11-27 09:59:59Z")},
		{"partial, crash timestamp not a time", framework.ToolOutput{Status: framework.StatusPartial,
			ErrorInfo: &framework.ErrorInfo{ExitCode: 2, CrashTimestamp: "yesterday", Message: "half done"}}},
		{"timeout, crash timestamp not a time", framework.ToolOutput{Status: framework.StatusTimeout,
			ErrorInfo: &framework.ErrorInfo{CrashTimestamp: "yesterday", Message: "cut short"}}},
		{"success, exit code", framework.ToolOutput{ErrorInfo: &framework.ErrorInfo{ExitCode: 4, Message: "odd"}}},
		{"unknown status", framework.ToolOutput{Status: "weird", ErrorInfo: &framework.ErrorInfo{Message: "odd"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			verr := tt.out.Validate()
			rt, logs := newRuntime(t, &frameworktest.Executor{Output: tt.out}, &recorder{})
			r, err := rt.Run(context.Background(), runtime.Request{Injector: "fake", Targets: loopback()})
			if err != nil {
				t.Fatalf("Run: %v", err)
			}
			msg := ""
			if r.Output.ErrorInfo != nil {
				msg = r.Output.ErrorInfo.Message
			}
			rejected := logs.FilterMessage("executor output rejected").Len() > 0
			switch {
			case verr == nil && (rejected || msg != tt.out.ErrorInfo.Message):
				t.Errorf("Validate accepts the output, the runtime replaced it: message %q", msg)
			case verr != nil && (!rejected || msg != "invalid executor output: "+verr.Error() || r.Status != framework.StatusFailed):
				t.Errorf("Validate refuses the output (%v), the runtime delivered status %s, message %q", verr, r.Status, msg)
			}
		})
	}
}
