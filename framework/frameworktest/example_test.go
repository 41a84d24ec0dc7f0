package frameworktest_test

import (
	"context"
	"fmt"
	"runtime"
	"testing"

	"github.com/injectkit/injectkit/framework"
	"github.com/injectkit/injectkit/framework/frameworktest"
	"github.com/injectkit/injectkit/signatures"
)

// greeter is the injector under test: it greets each network target in
// its output (it sends them nothing).
type greeter struct{}

type greeterParams struct {
	Greeting string `json:"greeting" doc:"what to say to each target"`
}

func (greeter) NewParams() any { return &greeterParams{Greeting: "hello"} }

func (g greeter) Manifest() framework.Manifest {
	return framework.Manifest{Name: "greeter", Category: framework.Network, Description: "Greets each target.",
		Params: framework.MustParamsSpec(g.NewParams())}
}

func (greeter) Execute(ctx context.Context, in *framework.Inject) framework.ToolOutput {
	p, err := framework.ParamsOf[greeterParams](in)
	if err != nil {
		return framework.ToolOutput{Status: framework.StatusFailed, ErrorInfo: &framework.ErrorInfo{Message: err.Error()}}
	}
	for _, t := range in.Targets {
		if ctx.Err() != nil {
			break // cut short: the runtime reports a timeout with the partial results
		}
		nc, _ := t.Network()
		in.Partial(p.Greeting + " " + nc.Value())
	}
	return framework.ToolOutput{Findings: map[string]any{"greetings": in.PartialResults()}}
}

// silent is greeter with a newcomer's mistake: it fails without saying why.
type silent struct{ greeter }

func (silent) Execute(context.Context, *framework.Inject) framework.ToolOutput {
	return framework.ToolOutput{Status: framework.StatusFailed}
}

// printer is a testing.TB that prints the failures reported through it, as
// a test's output shows them, and drops the logs. In a test, pass the
// *testing.T instead.
type printer struct {
	testing.TB // only the methods below are called
	failed     bool
	cleanups   []func()
}

func (p *printer) Helper()                      {}
func (p *printer) Name() string                 { return "Example" }
func (p *printer) Log(...any)                   {}
func (p *printer) Logf(string, ...any)          {}
func (p *printer) Error(args ...any)            { p.failed = true; fmt.Println(args...) }
func (p *printer) Errorf(f string, args ...any) { p.failed = true; fmt.Printf(f+"\n", args...) }
func (p *printer) Fatal(args ...any)            { p.Error(args...); runtime.Goexit() }
func (p *printer) Fatalf(f string, args ...any) { p.Errorf(f, args...); runtime.Goexit() }
func (p *printer) Fail()                        { p.failed = true }
func (p *printer) FailNow()                     { p.failed = true; runtime.Goexit() }
func (p *printer) Failed() bool                 { return p.failed }
func (p *printer) Cleanup(f func())             { p.cleanups = append(p.cleanups, f) }

// test runs fn as a test function on a printer, in its own goroutine (a
// Fatal ends it), and says whether it passed.
func test(fn func(t testing.TB)) {
	p := &printer{}
	done := make(chan struct{})
	go func() {
		defer close(done)
		fn(p)
	}()
	<-done
	for i := len(p.cleanups) - 1; i >= 0; i-- {
		p.cleanups[i]()
	}
	fmt.Println("passed:", !p.failed)
}

// Conformance checks an executor against the contract; Inject builds an
// inject to call Execute on directly. In a test file, each is one call on
// the test's *testing.T:
//
//	func TestConformance(t *testing.T) { frameworktest.Conformance(t, greeter{}) }
func Example() {
	localhost := signatures.NetworkConfig{TargetIPv4: "127.0.0.1"}
	test(func(t testing.TB) { frameworktest.Conformance(t, greeter{}, localhost) })
	test(func(t testing.TB) { frameworktest.Conformance(t, silent{}, localhost) })
	test(func(t testing.TB) {
		in := frameworktest.Inject(t, greeter{}, localhost, signatures.NetworkConfig{TargetHostname: "localhost"})
		in.Params.(*greeterParams).Greeting = "hi"
		greeter{}.Execute(context.Background(), in)
		fmt.Println(in.PartialResults())
	})
	// Output:
	// passed: true
	// Execute returned StatusFailed with no ErrorInfo.Message: the platform shows the run as "failed" and nothing else; say why in ErrorInfo.Message (framework.JoinErrors joins the targets' errors)
	// passed: false
	// [hi 127.0.0.1 hi localhost]
	// passed: true
}
