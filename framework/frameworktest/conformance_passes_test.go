package frameworktest_test

import (
	"context"
	"strings"
	"sync"
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
// exec.CommandContext does, passes the cancellation checks; it returns
// what it has, no StatusFailed, as the cancellation is no failure of its
// own (see TestConformanceFails).
func TestConformancePassesAnExecutorWaitingOnCtx(t *testing.T) {
	honours := &probe{exec: func(ctx context.Context, in *framework.Inject) framework.ToolOutput {
		ctx, cancel := context.WithTimeout(ctx, time.Hour)
		defer cancel()
		<-ctx.Done()
		return framework.ToolOutput{}
	}}
	if msgs := check(t, func(tb testing.TB) { frameworktest.ConformanceWith(tb, honours, fast) }); len(msgs) != 0 {
		t.Errorf("Conformance reported %q", msgs)
	}
}

// TestRegistryConformance: an executor passes under its manifest's name
// and, as the runtime runs it (framework.Registry.Manifest names it as
// registered; its settings' keys are renamed), under another one, which
// the live inject carries and a log line says. Tester t148 (h224): one
// registered under another name, as docs/writing-an-injector.md offers
// (reg.Register("acme", …)) and query's tests do (as "shodan"), failed
// RegistryConformance though every command ran it.
func TestRegistryConformance(t *testing.T) {
	var mu sync.Mutex
	injectors := map[string]bool{}
	named := func() framework.Executor {
		return &probe{exec: func(_ context.Context, in *framework.Inject) framework.ToolOutput {
			mu.Lock()
			injectors[in.Injector] = true
			mu.Unlock()
			return framework.ToolOutput{}
		}}
	}
	reg := framework.NewRegistry()
	reg.Register("probe", named)
	reg.Register("prober", named)
	if msgs := check(t, func(tb testing.TB) { frameworktest.RegistryConformance(tb, reg, "probe", fast) }); len(msgs) != 0 {
		t.Errorf("probe: %q", msgs)
	}
	r := &recorder{TB: t}
	frameworktest.RegistryConformance(r, reg, "prober", fast)
	if msgs := r.messages(); len(msgs) != 0 {
		t.Errorf("prober: %q, want none: the runtime runs it as prober", msgs)
	}
	if logs := strings.Join(r.logged(), "\n"); !strings.Contains(logs, `the manifest names "probe", the executor is registered as "prober": `+
		`checked under "prober", as the runtime runs it: the registered name is its name everywhere (the command line, `+
		`its settings' keys, the OpenAEV contract id); unless you rename it on purpose, give Manifest's Name and Register the same name`) {
		t.Errorf("prober: logs do not say the manifest's name differs:\n%s", logs)
	}
	mu.Lock()
	if !injectors["prober"] || !injectors["probe"] || len(injectors) != 2 {
		t.Errorf("the live injects named %v, want probe and prober", injectors)
	}
	mu.Unlock()
	msgs := check(t, func(tb testing.TB) { frameworktest.RegistryConformance(tb, reg, "nope", fast) })
	if len(msgs) != 1 || !strings.Contains(msgs[0], `unknown injector "nope"`) {
		t.Errorf("nope: %q", msgs)
	}
}

// TestConformanceNamesTheLiveInject: Conformance, with no registry, runs the
// live inject under the manifest's name, as the runtime would once the
// executor is registered under it, never under an empty name the runtime
// never gives (an executor naming its logs or findings after
// Inject.Injector saw "" only under Conformance).
func TestConformanceNamesTheLiveInject(t *testing.T) {
	var mu sync.Mutex
	injectors := map[string]bool{}
	p := &probe{exec: func(_ context.Context, in *framework.Inject) framework.ToolOutput {
		mu.Lock()
		injectors[in.Injector] = true
		mu.Unlock()
		return framework.ToolOutput{}
	}}
	if msgs := check(t, func(tb testing.TB) { frameworktest.ConformanceWith(tb, p, fast) }); len(msgs) != 0 {
		t.Errorf("Conformance reported %q", msgs)
	}
	mu.Lock()
	defer mu.Unlock()
	if !injectors["probe"] || len(injectors) != 1 {
		t.Errorf("the injects named %v, want probe, the manifest's name", injectors)
	}
}
