package frameworktest_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/injectkit/injectkit/framework"
	"github.com/injectkit/injectkit/framework/frameworktest"
	"github.com/injectkit/injectkit/signatures"
)

// What the conformance tests share: the harness that runs a check and
// collects what it reported (check, expectFailures), the probe executor
// they bend into each failure, and the options and target they run with.

// check runs fn (a conformance check) on a recorder in its own goroutine, as
// the testing package runs a test, and returns what it reported.
func check(t *testing.T, fn func(testing.TB)) []string {
	t.Helper()
	r := &recorder{TB: t}
	done := make(chan struct{})
	go func() {
		defer close(done)
		fn(r)
	}()
	<-done
	return r.messages()
}

// failCase is an executor Conformance must fail, run with opts: one of
// the failures it reports holds want.
type failCase struct {
	name string
	ex   framework.Executor
	opts frameworktest.Options
	want string
}

// expectFailures runs each case as a parallel subtest, failing it when
// none of Conformance's failures holds its want.
func expectFailures(t *testing.T, tests []failCase) {
	t.Helper()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			msgs := check(t, func(tb testing.TB) { frameworktest.ConformanceWith(tb, tt.ex, tt.opts) })
			for _, m := range msgs {
				if strings.Contains(m, tt.want) {
					return
				}
			}
			t.Errorf("Conformance reported %q; want a failure containing %q", msgs, tt.want)
		})
	}
}

// probeParams are the params of probe.
type probeParams struct {
	Port int           `json:"port" doc:"port to probe"`
	Mode string        `json:"mode" param:"enum=fast|slow" doc:"how to probe"`
	Wait time.Duration `json:"wait" doc:"pause between probes"`
}

func (p *probeParams) Validate() error {
	if p.Port < 1 || p.Port > 65535 {
		return &signatures.ValidationError{Field: "port", Value: fmt.Sprint(p.Port), Reason: "out of range"}
	}
	return nil
}

// probe is a configurable executor with a manifest and params.
type probe struct {
	manifest  func(*framework.Manifest) // edits the derived manifest
	newParams func() any                // default: a fresh *probeParams{8080, fast, 1s}
	exec      func(ctx context.Context, in *framework.Inject) framework.ToolOutput
	closeErr  error
}

func defaultProbe() *probeParams { return &probeParams{Port: 8080, Mode: "fast", Wait: time.Second} }

func (p *probe) Manifest() framework.Manifest {
	m := framework.Manifest{Name: "probe", Category: framework.Network,
		Params: framework.MustParamsSpec(defaultProbe())}
	if p.manifest != nil {
		p.manifest(&m)
	}
	return m
}

func (p *probe) NewParams() any {
	if p.newParams != nil {
		return p.newParams()
	}
	return defaultProbe()
}

func (p *probe) Execute(ctx context.Context, in *framework.Inject) framework.ToolOutput {
	if p.exec != nil {
		return p.exec(ctx, in)
	}
	if _, err := framework.ParamsOf[probeParams](in); err != nil {
		return framework.ToolOutput{Status: framework.StatusFailed, ErrorInfo: &framework.ErrorInfo{ExitCode: 2, Message: err.Error()}}
	}
	return framework.ToolOutput{ExtraSignatures: map[string]any{"probe_port": 8080}}
}

func (p *probe) Close() error {
	if p.closeErr != nil && p.closeErr.Error() == "panic" {
		panic("leak")
	}
	return p.closeErr
}

// rangedProbeParams are probeParams whose port has a range of its own.
type rangedProbeParams struct {
	Port int           `json:"port" param:"min=1,max=1024" doc:"port to probe"`
	Mode string        `json:"mode" param:"enum=fast|slow" doc:"how to probe"`
	Wait time.Duration `json:"wait" doc:"pause between probes"`
}

// panicJSON is a value whose MarshalJSON panics.
type panicJSON struct{}

func (panicJSON) MarshalJSON() ([]byte, error) { panic("marshal boom") }

// targetsPanic is a probe whose ValidateTargets panics.
type targetsPanic struct{ probe }

func (*targetsPanic) ValidateTargets([]framework.Target) error { panic("bad target") }

// fast is the options of a check whose executor returns on time: a short
// deadline, and a Wait long enough that a loaded machine's scheduling
// delay is never taken for an executor ignoring its context (a well-behaved
// executor ends the wait as soon as it returns).
var fast = frameworktest.Options{Timeout: 300 * time.Millisecond, Wait: 10 * time.Second}

// short is the options of a check whose executor ignores its context: the
// whole Wait is waited, so it is short.
var short = frameworktest.Options{Timeout: 300 * time.Millisecond, Wait: 100 * time.Millisecond}

// live is the target of Conformance's live inject of a network executor.
var live = framework.Target{Config: signatures.NetworkConfig{TargetIPv4: "127.0.0.1"}}

// failsOnCtx is a newcomer's Execute that reports a partial result, then
// fails on what the cancellation of its work caused (a request's "context
// deadline exceeded").
func failsOnCtx(ctx context.Context, in *framework.Inject) framework.ToolOutput {
	in.Partial("127.0.0.1 answered")
	<-ctx.Done()
	return framework.ToolOutput{Status: framework.StatusFailed, ErrorInfo: &framework.ErrorInfo{Message: "GET: " + ctx.Err().Error()}}
}
