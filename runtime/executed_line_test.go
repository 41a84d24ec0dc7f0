package runtime_test

import (
	"context"
	"maps"
	"testing"

	"github.com/injectkit/injectkit/framework"
	"github.com/injectkit/injectkit/framework/frameworktest"
	"github.com/injectkit/injectkit/runtime"
	"github.com/injectkit/injectkit/signatures"
)

// TestRunExecutedLine checks the counts the "executed" line gives: the
// results the executor reported as it went (Inject.Partial) under a name
// that does not read as if a successful run's results were partial, and
// the targets it did not reach, only when there are some.
func TestRunExecutedLine(t *testing.T) {
	tests := []struct {
		name      string
		results   int
		unreached bool
		want      map[string]any // the counts of the line (zap.Int: int64)
	}{
		{"a success reporting its results", 2, false, map[string]any{"results_reported": int64(2)}},
		{"a target not reached", 0, true, map[string]any{"results_reported": int64(0), "not_reached": int64(1)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ex := &frameworktest.Executor{Run: func(_ context.Context, in *framework.Inject) framework.ToolOutput {
				for range tt.results {
					in.Partial("10.0.0.1:22/tcp open ssh")
				}
				var out framework.ToolOutput
				if tt.unreached {
					out.Unreached = map[framework.Target]string{{Config: signatures.NetworkConfig{TargetIPv4: "10.0.0.2"}}: "not scanned"}
				}
				return out
			}}
			rt, logs := newRuntime(t, ex, &recorder{})
			if _, err := rt.Run(context.Background(), runtime.Request{Injector: "fake",
				Targets: []runtime.TargetSpec{{Value: "10.0.0.1"}, {Value: "10.0.0.2"}}}); err != nil {
				t.Fatal(err)
			}
			lines := logs.FilterMessage("executed").All()
			if len(lines) != 1 {
				t.Fatalf("%d executed lines", len(lines))
			}
			got := map[string]any{}
			for k, v := range lines[0].ContextMap() {
				if k == "results_reported" || k == "not_reached" || k == "partial_results" {
					got[k] = v
				}
			}
			if !maps.Equal(got, tt.want) {
				t.Errorf("executed line counts %v, want %v", got, tt.want)
			}
		})
	}
}
