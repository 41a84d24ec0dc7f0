package runtime_test

import (
	"context"
	"fmt"
	"net/netip"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/injectkit/injectkit/framework"
	"github.com/injectkit/injectkit/framework/frameworktest"
	"github.com/injectkit/injectkit/internal/testkit"
	"github.com/injectkit/injectkit/runtime"
	"github.com/injectkit/injectkit/signatures"
)

// sender is an executor that says whether its traffic goes to its targets.
type sender struct {
	frameworktest.Executor
	sends bool
}

func (s *sender) SendsToTargets() bool { return s.sends }

var _ framework.DirectSender = (*sender)(nil)

// leastSources is a Receiver that records the source_ipv4 of each
// target's least payload.
type leastSources struct {
	recorder
	v4 []any
}

func (l *leastSources) Received(_ context.Context, p *runtime.Prepared) error {
	for _, pt := range p.LeastPayloadTargets() {
		for _, v := range pt.SignatureValues[0].Values {
			if v.SignatureType == signatures.FieldSourceIPv4 {
				l.v4 = append(l.v4, v.SignatureValue)
			}
		}
	}
	return nil
}

// The signatures of an executor whose traffic goes to its targets carry,
// as source address, the one each target sees its connections come from,
// in the report and in the least payload a profile plans before the run;
// the targets of any other executor share the host-wide address.
func TestRunSourceIsTheRouteOfADirectSender(t *testing.T) {
	const target = "127.0.0.1"
	seen := testkit.SeenFrom(t, target)
	const host = "192.0.2.77" // no loopback connection comes from it
	cases := []struct {
		name string
		ex   framework.Executor
		want string
	}{
		{"sends to its targets", &sender{sends: true}, seen},
		{"says it does not", &sender{sends: false}, host},
		{"no DirectSender", &frameworktest.Executor{}, host},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			res := signatures.Resolver{
				InterfaceAddrs: func() ([]netip.Addr, error) { return []netip.Addr{netip.MustParseAddr(host)}, nil },
				Route:          signatures.DefaultResolver().Route,
			}
			l := &leastSources{}
			rt, _ := newRuntime(t, tc.ex, l, runtime.WithSignatures(signatures.NewManager(signatures.WithResolver(res))))
			rep, err := rt.Run(context.Background(), runtime.Request{Injector: "fake", Targets: []runtime.TargetSpec{{Value: target}}})
			if err != nil {
				t.Fatal(err)
			}
			if got := values(t, rep, 0)[signatures.FieldSourceIPv4]; got != tc.want {
				t.Errorf("source_ipv4 %v, want %s (the target sees %s, the host-wide address is %s)", got, tc.want, seen, host)
			}
			if len(l.v4) != 1 || l.v4[0] != tc.want {
				t.Errorf("least payload source_ipv4 %v, want %s", l.v4, tc.want)
			}
		})
	}
}

// The route lookups of a direct sender's report are made while its
// executor runs (a scan's length hides them), not after it returns: the
// executor here waits for the lookup of its target's route, which the
// run makes before the report is built, and ends the run with its
// answer.
func TestRunLooksUpRoutesWhileTheExecutorRuns(t *testing.T) {
	const target = "127.0.0.1"
	looked := make(chan struct{})
	var once sync.Once
	res := signatures.Resolver{
		InterfaceAddrs: func() ([]netip.Addr, error) { return []netip.Addr{netip.MustParseAddr("192.0.2.77")}, nil },
		Route: func(a netip.Addr) (netip.Addr, error) {
			once.Do(func() { close(looked) })
			return signatures.DefaultResolver().Route(a)
		},
	}
	ex := &sender{sends: true}
	ex.Run = func(ctx context.Context, _ *framework.Inject) framework.ToolOutput {
		select {
		case <-looked:
			return framework.ToolOutput{Status: framework.StatusSuccess}
		case <-ctx.Done(): // the inject's timeout: the lookup waited for the executor
			return framework.ToolOutput{Status: framework.StatusFailed, ErrorInfo: &framework.ErrorInfo{Message: "route not looked up while running"}}
		}
	}
	rt, _ := newRuntime(t, ex, &recorder{}, runtime.WithSignatures(signatures.NewManager(signatures.WithResolver(res))))
	rep, err := rt.Run(context.Background(), runtime.Request{Injector: "fake", Targets: []runtime.TargetSpec{{Value: target}},
		Timeout: runtime.Duration(5 * time.Second)})
	if err != nil {
		t.Fatal(err)
	}
	if got := rep.Output.ExecutionStatus(); got != framework.StatusSuccess {
		t.Errorf("executor ended %s (%+v), want success: the route lookup came only after it", got, rep.Output.ErrorInfo)
	}
	if got, want := values(t, rep, 0)[signatures.FieldSourceIPv4], testkit.SeenFrom(t, target); got != want {
		t.Errorf("source_ipv4 %v, want %s, the address the target sees", got, want)
	}
}

// lookupAfterLastSnapshot returns a clock, a resolver whose host-wide
// address lookup ends only once the run has read that clock after its last
// progress snapshot (where the payload's duration starts) and then moves
// the clock on by an hour, and the progress callback that marks that
// snapshot.
func lookupAfterLastSnapshot() (func() time.Time, signatures.Resolver, func(runtime.Progress)) {
	ticking, skip := tickingClock()
	var lastTaken atomic.Bool
	read := make(chan struct{}) // the clock read after the last snapshot
	var once sync.Once
	clock := func() time.Time {
		now := ticking()
		if lastTaken.Load() {
			once.Do(func() { close(read) })
		}
		return now
	}
	res := signatures.Resolver{
		InterfaceAddrs: func() ([]netip.Addr, error) {
			select {
			case <-read:
			// The run waits for this lookup only after that read: the
			// bound ends a hang of code that waits before it (which then
			// fails), never a run slowed by load, as 10 s could.
			case <-time.After(testkit.Hang):
			}
			skip(time.Hour)
			return []netip.Addr{netip.MustParseAddr("192.0.2.77")}, nil
		},
		Route: signatures.DefaultResolver().Route,
	}
	progress := func(p runtime.Progress) {
		if p.Done {
			lastTaken.Store(true)
		}
	}
	return clock, res, progress
}

// The executor's duration (the Observer's OnExecuted, the "executed"
// line) is the executor's alone: the host-wide address lookup the route
// prefetch starts with may outlast a short run, and is waited for after
// that duration is taken, in the "payload built" line's duration, so that
// a slow lookup shows there. The lookup here ends only once the run has
// read the clock after its last progress snapshot (where the payload's
// duration starts), and moves the clock on by an hour.
func TestRunDurationLeavesOutTheRouteLookup(t *testing.T) {
	clock, res, progress := lookupAfterLastSnapshot()
	obs := &timings{}
	rt, logs := newRuntime(t, &sender{sends: true}, &recorder{}, runtime.WithObserver(obs), runtime.WithClock(clock),
		runtime.WithProgress(progress, time.Hour), runtime.WithSignatures(signatures.NewManager(signatures.WithResolver(res))))
	if _, err := rt.Run(context.Background(), runtime.Request{Injector: "fake", Targets: []runtime.TargetSpec{{Value: "127.0.0.1"}}}); err != nil {
		t.Fatal(err)
	}
	if len(obs.executed) != 1 || obs.executed[0] >= time.Hour {
		t.Errorf("executed %v, want one duration without the address lookup's hour", obs.executed)
	}
	built := logs.FilterMessage("payload built").All()
	if len(built) != 1 {
		t.Fatalf("%d payload built lines, want 1", len(built))
	}
	if d, _ := built[0].ContextMap()["duration"].(time.Duration); d < time.Hour {
		t.Errorf("payload built in %v, want a duration with the address lookup's hour", d)
	}
}

// panicky is a direct sender whose targets' check panics: the executor
// never runs.
type panicky struct{ sender }

func (*panicky) ValidateTargets([]framework.Target) error { panic("targets check") }

// A direct sender's run that ends at once (a tool not installed, a
// deadline passed) with 40 host-name targets whose name server never
// answers builds its report within one name-lookup timeout (5 s) of the
// executor's return, not one timeout per name; a run whose executor never
// ran (a check panicked) looks no name up.
func TestRunUnresolvedNamesHoldTheReportOneTimeoutAtMost(t *testing.T) {
	const names = 40
	cases := []struct {
		name    string
		ex      framework.Executor
		maxWait time.Duration
		least   bool // the deliverer sizes the least payload before the run
	}{
		{"executor returns at once", &sender{sends: true}, 5 * time.Second, false},
		{"a check panicked", &panicky{sender{sends: true}}, 0, false},
		{"the deliverer sizes the least payload first", &sender{sends: true}, 5 * time.Second, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				res := signatures.Resolver{
					InterfaceAddrs: func() ([]netip.Addr, error) { return []netip.Addr{netip.MustParseAddr("192.0.2.77")}, nil },
					LookupHost: func(ctx context.Context, _ string) ([]string, error) {
						<-ctx.Done() // a name server that never answers
						return nil, ctx.Err()
					},
					Route: func(a netip.Addr) (netip.Addr, error) { return a, nil },
				}
				targets := make([]runtime.TargetSpec, names)
				for i := range targets {
					targets[i] = runtime.TargetSpec{Value: fmt.Sprintf("h%02d.example", i)}
				}
				var d runtime.Deliverer = &recorder{}
				if tc.least {
					d = &leastSources{}
				}
				rt, _ := newRuntime(t, tc.ex, d, runtime.WithSignatures(signatures.NewManager(signatures.WithResolver(res))))
				t0 := time.Now()
				rep, err := rt.Run(context.Background(), runtime.Request{Injector: "fake", Targets: targets})
				if err != nil {
					t.Fatal(err)
				}
				sent := payload(t, rep) // its sources are looked up as it is built
				if d := time.Since(t0); d > tc.maxWait {
					t.Errorf("payload of %d unresolved names built after %v, want within %v", names, d, tc.maxWait)
				}
				for i, pt := range sent.Targets {
					for _, v := range pt.SignatureValues[0].Values {
						if v.SignatureType == signatures.FieldSourceIPv4 && v.SignatureValue != "192.0.2.77" {
							t.Errorf("target %d: source_ipv4 %v, want the host-wide 192.0.2.77", i, v.SignatureValue)
						}
					}
				}
			})
		})
	}
}
