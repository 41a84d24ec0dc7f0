package runtime_test

import (
	"context"
	"testing"
	"time"

	"github.com/injectkit/injectkit/framework"
	"github.com/injectkit/injectkit/framework/frameworktest"
	"github.com/injectkit/injectkit/runtime"
)

// A crash timestamp before the run's start is clamped with one WARN line
// that carries the inject's fields, as the run's other lines do.
func TestCrashBeforeStartWarnsWithTheInjectFields(t *testing.T) {
	ex := &frameworktest.Executor{Run: func(context.Context, *framework.Inject) framework.ToolOutput {
		return framework.ToolOutput{Status: framework.StatusFailed, ErrorInfo: &framework.ErrorInfo{ExitCode: 2,
			Message: "crashed", CrashTimestamp: testClock.Add(-time.Hour).Format(time.RFC3339)}}
	}}
	rt, logs := newRuntime(t, ex, &recorder{}, runtime.WithClock(func() time.Time { return testClock }))
	if _, err := rt.Run(context.Background(), runtime.Request{InjectID: "inj-1", Injector: "fake", Targets: loopback()}); err != nil {
		t.Fatal(err)
	}
	lines := logs.FilterMessageSnippet("end time before the run's start").All()
	if len(lines) != 1 {
		t.Fatalf("%d clamp lines, want 1: %v", len(lines), logs.All())
	}
	if f := lines[0].ContextMap(); f["inject_id"] != "inj-1" || f["injector"] != "fake" {
		t.Errorf("the clamp line's fields are %v, want inject_id inj-1 and injector fake", f)
	}
}
