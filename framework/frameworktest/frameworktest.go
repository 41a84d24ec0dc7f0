// Package frameworktest offers what a third party needs to test an
// injector: a scriptable fake executor and Conformance, which checks the
// contract every executor must keep.
package frameworktest

import (
	"context"
	"reflect"
	"sync"
	"testing"
	"time"

	"go.uber.org/zap/zaptest"

	"github.com/injectkit/injectkit/framework"
	"github.com/injectkit/injectkit/signatures"
)

// Executor is a fake executor whose behaviour is its fields. The zero
// value returns success at once.
type Executor struct {
	// Output is returned when Run is nil.
	Output framework.ToolOutput
	// Run, when set, is called by Execute.
	Run func(ctx context.Context, cfg *framework.Inject) framework.ToolOutput
	// Category, when set, is the category its manifest declares.
	Category framework.Category

	mu    sync.Mutex
	calls []*framework.Inject
}

// Interface guards.
var (
	_ framework.Executor   = (*Executor)(nil)
	_ framework.Manifester = (*Executor)(nil)
)

// Execute records the call and runs Run or returns Output.
func (e *Executor) Execute(ctx context.Context, cfg *framework.Inject) framework.ToolOutput {
	e.mu.Lock()
	e.calls = append(e.calls, cfg)
	e.mu.Unlock()
	if e.Run != nil {
		return e.Run(ctx, cfg)
	}
	return e.Output
}

// Manifest declares the fake's category.
func (e *Executor) Manifest() framework.Manifest {
	return framework.Manifest{Name: "fake", Category: e.Category, Description: "a fake executor for tests"}
}

// Calls returns the injects Execute was called with.
func (e *Executor) Calls() []*framework.Inject {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]*framework.Inject(nil), e.calls...)
}

// Inject builds an inject over targets for direct Execute calls in tests,
// with a test logger and the executor's default params.
func Inject(t testing.TB, ex framework.Executor, targets ...signatures.Config) *framework.Inject {
	t.Helper()
	in := &framework.Inject{ID: "inject-test", Log: zaptest.NewLogger(t),
		ExpectationTypes: []framework.ExpectationType{framework.Detection}}
	for _, c := range targets {
		in.Targets = append(in.Targets, framework.Target{Config: c})
		in.Category = c.Category()
	}
	if pf, ok := ex.(framework.ParamsFactory); ok {
		in.Params = pf.NewParams()
	} else {
		in.Params = map[string]any{}
	}
	return in
}

// Conformance checks that ex keeps the Executor contract on the given
// targets (which should be cheap to act on, e.g. loopback):
//   - Execute on an inject with no targets returns without panicking;
//   - Execute with an already cancelled context returns within 5 s, and its
//     output is valid;
//   - optional capabilities are consistent: a manifest names itself and its
//     params have known types, and NewParams returns a fresh value each call.
func Conformance(t *testing.T, ex framework.Executor, targets ...signatures.Config) {
	t.Helper()
	t.Run("empty inject does not panic", func(t *testing.T) {
		in := Inject(t, ex)
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		func() {
			defer func() {
				if v := recover(); v != nil {
					t.Fatalf("Execute panicked on an inject with no targets: %v", v)
				}
			}()
			out := ex.Execute(ctx, in)
			if err := out.Validate(); err != nil {
				t.Errorf("invalid output: %v", err)
			}
		}()
	})
	t.Run("cancelled context is honoured", func(t *testing.T) {
		in := Inject(t, ex, targets...)
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		done := make(chan framework.ToolOutput, 1)
		go func() { done <- ex.Execute(ctx, in) }()
		select {
		case out := <-done:
			if err := out.Validate(); err != nil {
				t.Errorf("invalid output: %v", err)
			}
			if out.ExecutionStatus() == framework.StatusSuccess && out.TimeoutInfo == nil && len(targets) > 0 {
				t.Logf("note: Execute reported success on a cancelled context")
			}
		case <-time.After(5 * time.Second):
			t.Fatal("Execute did not return within 5s of its context being cancelled")
		}
	})
	t.Run("capabilities are consistent", func(t *testing.T) {
		if mf, ok := ex.(framework.Manifester); ok {
			m := mf.Manifest()
			if m.Name == "" {
				t.Error("manifest has no name")
			}
			for _, p := range m.Params {
				switch p.Type {
				case framework.ParamString, framework.ParamInt, framework.ParamBool, framework.ParamDuration:
				case framework.ParamEnum:
					if len(p.Enum) == 0 {
						t.Errorf("enum param %s declares no values", p.Name)
					}
				default:
					t.Errorf("param %s has unknown type %q", p.Name, p.Type)
				}
			}
		}
		if pf, ok := ex.(framework.ParamsFactory); ok {
			a, b := pf.NewParams(), pf.NewParams()
			if a == nil {
				t.Fatal("NewParams returned nil")
			}
			va, vb := reflect.ValueOf(a), reflect.ValueOf(b)
			if va.Kind() == reflect.Pointer && vb.Kind() == reflect.Pointer && va.Pointer() == vb.Pointer() {
				t.Error("NewParams returned the same value twice; it must return a fresh pointer")
			}
			if v, ok := ex.(framework.ParamsValidator); ok {
				if err := v.ValidateParams(a); err != nil {
					t.Errorf("default params do not validate: %v", err)
				}
			}
		}
	})
}
