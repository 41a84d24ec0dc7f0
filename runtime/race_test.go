package runtime_test

import (
	"context"
	"fmt"
	"testing"

	"go.uber.org/zap"

	"github.com/injectkit/injectkit/framework"
	"github.com/injectkit/injectkit/framework/frameworktest"
	"github.com/injectkit/injectkit/internal/testkit"
	"github.com/injectkit/injectkit/runtime"
)

// Concurrent Runs on one Runtime, built with every default left to New (the
// lazily filled signatures manager used to race): run under -race.
func TestConcurrentRuns(t *testing.T) {
	reg := framework.NewRegistry()
	reg.Register("fake", func() framework.Executor {
		return &frameworktest.Executor{Run: func(_ context.Context, in *framework.Inject) framework.ToolOutput {
			in.Partial("done")
			return framework.ToolOutput{Status: framework.StatusSuccess}
		}}
	})
	rec := &recorder{}
	rt := runtime.New(reg, runtime.WithDeliverer(rec), runtime.WithLogger(zap.NewNop()))
	const runs = 16
	testkit.Concurrently(t, runs, func(i int) error {
		_, err := rt.Run(context.Background(), runtime.Request{InjectID: fmt.Sprintf("i-%d", i), Injector: "fake",
			Targets: []runtime.TargetSpec{{Value: fmt.Sprintf("10.0.0.%d", i+1)}}})
		return err
	})
	if got := rec.delivered(); len(got) != runs {
		t.Errorf("%d reports delivered, want %d", len(got), runs)
	}
}
