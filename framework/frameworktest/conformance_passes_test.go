package frameworktest_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/injectkit/injectkit/framework"
	"github.com/injectkit/injectkit/framework/frameworktest"
)

// TestConformancePasses: a conforming executor, and the fake, pass, through
// a recorder and through a real *testing.T (with subtests).
func TestConformancePasses(t *testing.T) {
	noParams := &probe{manifest: func(m *framework.Manifest) { m.Params = nil }} // derived from NewParams, as the runtime does
	unreached := &probe{exec: func(_ context.Context, in *framework.Inject) framework.ToolOutput {
		out := framework.ToolOutput{Unreached: map[framework.Target]string{}}
		for _, tg := range in.Targets {
			out.Unreached[tg] = "not scanned"
		}
		return out
	}}
	// The runtime never runs an inject without a target: an executor
	// reading the first one cannot panic there.
	firstTarget := &probe{exec: func(_ context.Context, in *framework.Inject) framework.ToolOutput {
		return framework.ToolOutput{Unreached: map[framework.Target]string{in.Targets[0]: "not scanned"}}
	}}
	for _, ex := range []framework.Executor{&probe{}, &frameworktest.Executor{}, noParams, unreached, firstTarget} {
		if msgs := check(t, func(tb testing.TB) { frameworktest.Conformance(tb, ex) }); len(msgs) != 0 {
			t.Errorf("%T: Conformance reported %q", ex, msgs)
		}
		frameworktest.Conformance(t, ex)
	}
}

// TestConformancePassesAnExecutorWaitingOnCtx: an executor that runs
// until its context is done, through a child context as a dialer or
// exec.CommandContext does, passes the cancellation checks.
func TestConformancePassesAnExecutorWaitingOnCtx(t *testing.T) {
	honours := &probe{exec: func(ctx context.Context, in *framework.Inject) framework.ToolOutput {
		ctx, cancel := context.WithTimeout(ctx, time.Hour)
		defer cancel()
		<-ctx.Done()
		return framework.ToolOutput{Status: framework.StatusFailed, ErrorInfo: &framework.ErrorInfo{ExitCode: 1, Message: ctx.Err().Error()}}
	}}
	if msgs := check(t, func(tb testing.TB) { frameworktest.ConformanceWith(tb, honours, fast) }); len(msgs) != 0 {
		t.Errorf("Conformance reported %q", msgs)
	}
}

func TestRegistryConformance(t *testing.T) {
	reg := framework.NewRegistry()
	reg.Register("probe", func() framework.Executor { return &probe{} })
	reg.Register("prober", func() framework.Executor { return &probe{} })
	if msgs := check(t, func(tb testing.TB) { frameworktest.RegistryConformance(tb, reg, "probe", fast) }); len(msgs) != 0 {
		t.Errorf("probe: %q", msgs)
	}
	msgs := check(t, func(tb testing.TB) { frameworktest.RegistryConformance(tb, reg, "prober", fast) })
	if len(msgs) != 1 || !strings.Contains(msgs[0], `registered as "prober"`) {
		t.Errorf("prober: %q, want one failure naming the registered name", msgs)
	}
	msgs = check(t, func(tb testing.TB) { frameworktest.RegistryConformance(tb, reg, "nope", fast) })
	if len(msgs) != 1 || !strings.Contains(msgs[0], `unknown injector "nope"`) {
		t.Errorf("nope: %q", msgs)
	}
}
