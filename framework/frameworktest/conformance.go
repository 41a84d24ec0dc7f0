package frameworktest

import (
	"context"
	"errors"
	"fmt"
	"runtime/debug"
	"strconv"
	"sync"
	"testing"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zaptest"

	"github.com/injectkit/injectkit/framework"
	"github.com/injectkit/injectkit/internal/hook"
	"github.com/injectkit/injectkit/signatures"
)

// Conformance checks that ex keeps the Executor contract, with the default
// Options and the given targets (none: targets of the manifest's category).
// See ConformanceWith for the checks.
func Conformance(t testing.TB, ex framework.Executor, targets ...signatures.Config) {
	t.Helper()
	ConformanceWith(t, ex, Options{Targets: targets})
}

// RegistryConformance checks the executor reg builds under name, as the
// runtime would build it and name it (Options.Name): one registered
// under another name than its manifest's passes, as the runtime runs it.
func RegistryConformance(t testing.TB, reg *framework.Registry, name string, o Options) {
	t.Helper()
	ex, err := reg.New(name)
	if err != nil {
		t.Fatalf("registry: %v", err)
	}
	o.Name = name
	ConformanceWith(t, ex, o)
}

// ConformanceWith checks that ex keeps the Executor contract, the way
// testing/fstest.TestFS checks a file system. It reports every broken rule
// through t (any testing.TB; with a *testing.T each group is a subtest):
//   - manifest, as the runtime sees it (framework.Registry.Manifest: params left
//     empty are those of NewParams; named Options.Name when it is set,
//     the manifest's own name logged when it differs): its own name
//     given, an injector name (framework.ValidateInjectorName), a known
//     category, params of known types, enums with values and a default
//     among them (a required one has none), and what ValidateManifest checks
//     (expectation types known and declared once, param names, output
//     fields and setting keys given and declared once, no output field
//     reserved, no setting named like a param), each param and setting
//     documented (a doc tag, a Doc: "injectors NAME" shows it as its
//     help); a panic of Manifest fails this group, naming it;
//   - params: NewParams returns a fresh pointer to a struct each call, that
//     framework.ParamsSpec describes, whose defaults validate
//     (framework.CheckParams), or, when Options.Params is given, the
//     defaults with it (framework.DecodeParams: a required param must be
//     given there), no duration default is under a millisecond but
//     not zero (a bare number in NewParams, Wait: 30, is 30ns, where
//     --param wait=30 is 30s), and the manifest's params agree with it on
//     names, types, defaults, enums, int ranges and required;
//   - settings: a framework.Configurer's Configure accepts, without
//     panicking, every declared setting, Options.Settings over the
//     defaults (a key the manifest does not declare fails); the groups
//     below run the executor so configured, and are left out when it
//     refused, or when Manifest panicked (its settings unknown: the
//     manifest group's failure alone);
//   - live targets: Options.Targets (or the default target) validate, are
//     of the manifest's category, and a framework.TargetsValidator's
//     ValidateTargets accepts them without panicking; checked once, the
//     groups below left out when they are refused;
//   - cancelled context: Execute with a context already cancelled returns
//     within Options.Wait, without panicking;
//   - cancelled while running: Execute on the live inject, its context
//     cancelled once Execute has consulted it (Done, Err) or after 50ms,
//     returns within Options.Wait of the cancellation, without panicking,
//     a valid output, not StatusFailed (the runtime marks a run cut short
//     as timed out, keeping its partial results, unless it failed: the
//     errors the cancellation causes are no failure of the tool);
//   - live inject: Execute on an inject of the manifest's category under
//     Options.Timeout returns within Timeout+Wait, without panicking, a
//     valid output, not StatusTimeout while its deadline has not passed
//     (the runtime marks a run cut short as timed out; an executor never
//     does), nor StatusFailed once it has, not a success with an ErrorInfo.Message (which no profile
//     sends) nor a failure or a partial run without one (the platform
//     would show "failed", or "partially succeeded", and nothing else),
//     no CrashTimestamp on a run that did not fail
//     (read only on a failed one), holding the value of no Secret setting (which the runtime
//     redacts), whose findings and extras JSON can encode, whose extra
//     signatures collide with no core signature field nor its platform
//     type, in any case, nor with one another in another case
//     (signatures.ExtrasErrors), whose per-type
//     extras are keyed by known expectation types and whose target
//     extras and targets not reached (Unreached) by the inject's
//     targets (attributed to assets, as the
//     platform's are: a key built from a configuration alone is none of
//     them); for a framework.TargetsReader whose ReadsTargetsOnly reports
//     true, the targets it was handed are as they were once Execute
//     returned; Close, for a Closer, returns no error. A panic of
//     ValidateTargets, ReadsTargetsOnly or Close is a failure naming the
//     method.
//
// Each root cause is reported once: when the live injects' params are
// refused (a default out of its range, a required param not given), the
// params group says why and the groups that run Execute are skipped, in
// one logged line, as they are when the live targets are refused; a
// panic of Execute prints its stack once, and a later group's panic of
// the same value at the same place says "panics as above".
//
// Last, in a group "not exercised" (logged; failures with
// Options.FailNotExercised), it names each rule whose case never came up
// (Rule* constants: "rule … never triggered: why"): an Execute that
// returned before its context was cancelled, a live inject that failed
// (its output's rules unchecked), a part of the live output left empty.
// Give targets, params and settings it can run with to cover them.
//
// An Execute that does not return in time is abandoned: its goroutine is
// left running and its logs are dropped.
func ConformanceWith(t testing.TB, ex framework.Executor, o Options) {
	t.Helper()
	if o.Timeout <= 0 {
		o.Timeout = DefaultTimeout
	}
	if o.Wait <= 0 {
		o.Wait = DefaultWait
	}
	log := newGate(t)
	defer log.close()
	c := &checker{ex: ex, o: o, log: zaptest.NewLogger(log)}
	if _, ok := ex.(framework.Manifester); ok {
		c.m, _, c.manifestErr = framework.NewRegistry().Manifest("", ex)
		c.hasManifest = c.manifestErr == nil
	}
	if c.o.Name == "" {
		// Unregistered: the runtime would run it under its manifest's name.
		c.o.Name = c.m.Name
	}
	run(t, "manifest", c.checkManifest)
	run(t, "params", c.checkParams)
	if run(t, "settings", c.checkSettings); c.unconfigured {
		return // every Execute would run unconfigured
	}
	if !c.liveParams(t) {
		return // every inject would be refused its params
	}
	if run(t, "live targets", c.checkLiveTargets); c.targets == nil {
		t.Logf("%s skipped: the live targets are refused, see live targets above", liveGroups)
		return
	}
	run(t, "cancelled context", c.checkCancelled)
	run(t, "cancelled while running", c.checkCancelledWhileRunning)
	run(t, "live inject", c.checkLive)
	if len(c.uncovered) > 0 {
		run(t, "not exercised", c.reportCoverage)
	}
}

// run runs one group of checks: a subtest for a *testing.T, inline for any
// other testing.TB.
func run(t testing.TB, name string, fn func(testing.TB)) {
	t.Helper()
	if tt, ok := t.(*testing.T); ok {
		// A helper here too: a failure is reported at the line that
		// called Conformance, not in this file.
		tt.Run(name, func(t *testing.T) { t.Helper(); fn(t) })
		return
	}
	fn(t)
}

type checker struct {
	ex  framework.Executor
	o   Options
	log *zap.Logger
	// m is the manifest of ex as the runtime sees it (framework.Registry.Manifest:
	// params left empty are those of NewParams), with the name Manifest
	// gives; hasManifest is false when ex has none or when Manifest
	// panicked (manifestErr).
	m            framework.Manifest
	hasManifest  bool
	manifestErr  error
	unconfigured bool // Configure refused the settings (checkSettings)
	// paramsRefused is set when the params group reported why the live
	// params are refused (liveParams: the groups that run Execute are
	// skipped, saying so once).
	paramsRefused bool
	panicked      []panicSeen // the panics of Execute reported (reportPanic)
	// targets are the live injects' targets, checked once
	// (checkLiveTargets); nil when refused.
	targets   []signatures.Config
	uncovered []string // the rules not exercised (notExercised)
}

// result is what one Execute call gave.
type result struct {
	out   framework.ToolOutput
	panic any
	stack []byte
}

// start calls Execute in its own goroutine, recovering a panic; the
// channel gives what it returned.
func (c *checker) start(ctx context.Context, in *framework.Inject) <-chan result {
	done := make(chan result, 1)
	go func() {
		defer func() {
			if v := recover(); v != nil {
				done <- result{panic: v, stack: debug.Stack()}
			}
		}()
		done <- result{out: c.ex.Execute(ctx, in)}
	}()
	return done
}

// execute calls Execute (start) and waits at most wait for it; ok is false
// when it did not return in time.
func (c *checker) execute(ctx context.Context, in *framework.Inject, wait time.Duration) (r result, ok bool) {
	done := c.start(ctx, in)
	timer := time.NewTimer(wait)
	defer timer.Stop()
	select {
	case r = <-done:
		return r, true
	case <-timer.C:
		return result{}, false
	}
}

// inject builds an inject over targets with the params opts give.
func (c *checker) inject(t testing.TB, targets []signatures.Config) *framework.Inject {
	t.Helper()
	params, err := framework.DecodeParams(c.ex, c.o.Params)
	if err != nil {
		if len(c.o.Params) == 0 { // none given: the defaults are refused
			t.Fatalf("the default params rejected: %v%s", err, defaultsHint(err))
		}
		t.Fatalf("Options.Params (%s) rejected: %v%s", paramNames(c.o.Params), err, requiredHint(err))
	}
	in := &framework.Inject{ID: "conformance", Injector: c.o.Name, Category: c.m.Category, Params: params, Log: c.log,
		ExpectationTypes: []framework.ExpectationType{framework.Detection, framework.Prevention}}
	for i, cfg := range targets {
		cfg = ownCopy(cfg)
		in.Targets = append(in.Targets, framework.Target{Config: cfg, Attribution: signatures.Attribution{Asset: "conformance-asset-" + strconv.Itoa(i+1)}})
		in.Category = cfg.Category()
	}
	return in
}

// panicAdvice is what a panic of Execute's failure says to do: the stack
// shows where, not that a run would be reported failed, nor what to
// return instead (tester t155).
const panicAdvice = "a run reports it as a failed run, its message the panic's: fix the bug the stack below shows, " +
	"and return a failure you expect as ToolOutput{Status: framework.StatusFailed, ErrorInfo: &framework.ErrorInfo{Message: …}}; " +
	"a goroutine Execute starts must recover its own panics, which end the process"

func (c *checker) checkCancelled(t testing.TB) {
	t.Helper()
	in := c.inject(t, c.targets)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	r, ok := c.execute(ctx, in, c.o.Wait)
	if !ok {
		t.Errorf("Execute did not return within %s of its context being cancelled: %s", c.o.Wait, honourCtx)
		return
	}
	c.checkOutput(t, "a cancelled context", r)
}

func (c *checker) checkLive(t testing.TB) {
	t.Helper()
	in := c.inject(t, c.targets)
	h := handOver(in.Targets) // before Execute may write there, as the runtime
	ctx, cancel := context.WithTimeout(context.Background(), c.o.Timeout)
	defer cancel()
	r, ok := c.execute(ctx, in, c.o.Timeout+c.o.Wait)
	if !ok {
		t.Errorf("Execute did not return within %s of its %s deadline: %s", c.o.Wait, c.o.Timeout, honourCtx)
		return
	}
	if r.panic == nil && r.out.Status == framework.StatusTimeout && ctx.Err() == nil {
		t.Errorf("Execute returned StatusTimeout on a live inject nobody cancelled (its %s deadline not passed): "+
			"never build the timeout yourself; when ctx is done, return what you have, and the runtime marks the run as timed out", c.o.Timeout)
	}
	checkNotFailedByCtx(t, r, ctx.Err(), fmt.Sprintf("once its %s deadline had passed", c.o.Timeout), len(in.PartialResults()))
	c.checkOutput(t, "a live inject", r)
	if r.panic == nil {
		c.liveCoverage(t, r.out)
		checkErrorInfo(t, r.out)
		c.checkSecrets(t, in, r.out)
	}
	for _, err := range extrasErrors(r.out, h) {
		t.Error(err)
	}
	if tr, ok := c.ex.(framework.TargetsReader); ok {
		var reads bool
		if err := hook.Call(c.o.Name, "ReadsTargetsOnly", func() error { reads = tr.ReadsTargetsOnly(); return nil }); err != nil {
			t.Errorf("%v", err)
		} else if reads {
			// The runtime hands it its own targets: what it changes
			// there would reach the report.
			for _, err := range h.changed(in.Targets) {
				t.Errorf("ReadsTargetsOnly reports true, but %v", err)
			}
		}
	}
	if cl, ok := c.ex.(framework.Closer); ok {
		err := hook.Call(c.o.Name, "Close", cl.Close)
		var pe *hook.PanicError
		switch {
		case errors.As(err, &pe):
			t.Errorf("%v\n%s", pe, pe.Stack)
		case err != nil:
			t.Errorf("Close: %v", err)
		}
	}
}

// gate forwards an inject logger's lines to t until closed, so that an
// abandoned Execute logging later cannot reach a finished test.
type gate struct {
	t      testing.TB
	mu     sync.Mutex
	closed bool
}

func newGate(t testing.TB) *gate { return &gate{t: t} }

func (g *gate) close() {
	g.mu.Lock()
	g.closed = true
	g.mu.Unlock()
}

func (g *gate) Logf(format string, args ...any) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if !g.closed {
		g.t.Logf(format, args...)
	}
}

// Errorf logs: a logger's own trouble is not a broken contract.
func (g *gate) Errorf(format string, args ...any) { g.Logf(format, args...) }
func (g *gate) Fail()                             {}
func (g *gate) Failed() bool                      { return false }
func (g *gate) Name() string                      { return g.t.Name() }
func (g *gate) FailNow()                          {}
