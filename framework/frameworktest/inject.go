package frameworktest

import (
	"fmt"
	"testing"

	"go.uber.org/zap"
	"go.uber.org/zap/zaptest"

	"github.com/injectkit/injectkit/framework"
	"github.com/injectkit/injectkit/internal/hook"
	"github.com/injectkit/injectkit/signatures"
)

// InjectID is the id of the injects Inject and InjectWith build.
const InjectID = "inject-test"

// InjectOption changes the inject InjectWith builds.
type InjectOption func(*framework.Inject)

// Inject builds an inject over targets for direct Execute calls of ex in
// tests: InjectWith(t, ex, WithTargets(targets...)).
func Inject(t testing.TB, ex framework.Executor, targets ...signatures.Config) *framework.Inject {
	t.Helper()
	return InjectWith(t, ex, WithTargets(targets...))
}

// InjectWith builds an inject for direct Execute calls of ex in tests, as
// the runtime would hand it over: id InjectID; the name, category and
// expectation types ex's manifest declares (Detection without a manifest);
// ex's default params (an empty map without a ParamsFactory); a logger
// writing to t; no targets. The options then change any of them. A panic
// of Manifest is reported through t (t.Errorf, "Manifest panicked: …") and
// the inject built as without a manifest. A panic of NewParams fails the
// test (t.Fatalf, "injector NAME: NewParams panicked: …", NAME the
// manifest's name, else ex's Go type).
func InjectWith(t testing.TB, ex framework.Executor, opts ...InjectOption) *framework.Inject {
	t.Helper()
	in := &framework.Inject{ID: InjectID, Log: zaptest.NewLogger(t),
		ExpectationTypes: []framework.ExpectationType{framework.Detection}}
	switch m, ok, err := framework.NewRegistry().Manifest("", ex); {
	case err != nil:
		t.Errorf("frameworktest: %v", err)
	case ok:
		in.Injector, in.Category = m.Name, m.Category
		if len(m.Expectations) > 0 {
			in.ExpectationTypes = append([]framework.ExpectationType(nil), m.Expectations...)
		}
	}
	if pf, ok := ex.(framework.ParamsFactory); ok {
		name := in.Injector
		if name == "" {
			name = fmt.Sprintf("%T", ex)
		}
		if err := hook.Call(name, "NewParams", func() error { in.Params = pf.NewParams(); return nil }); err != nil {
			t.Fatalf("frameworktest: %v", err)
		}
	} else {
		in.Params = map[string]any{}
	}
	for _, o := range opts {
		o(in)
	}
	return in
}

// WithTargets adds a target per configuration, whose asset ids are
// asset-a, asset-b and so on in order, asset-aa after asset-z (as a
// spreadsheet names its columns); the inject takes their category.
func WithTargets(cfgs ...signatures.Config) InjectOption {
	return func(in *framework.Inject) {
		for _, c := range cfgs {
			asset := "asset-" + letters(len(in.Targets))
			in.Targets = append(in.Targets, framework.Target{Config: c, Attribution: signatures.Attribution{Asset: asset}})
			in.Category = c.Category()
		}
	}
}

// letters names the i-th asset (from 0) in lower-case letters: a … z,
// aa … az, ba … zz, aaa …
func letters(i int) string {
	var b []byte
	for i++; i > 0; i = (i - 1) / 26 {
		b = append([]byte{byte('a' + (i-1)%26)}, b...)
	}
	return string(b)
}

// WithTarget adds one target as given; the inject takes its category.
func WithTarget(target framework.Target) InjectOption {
	return func(in *framework.Inject) {
		in.Targets = append(in.Targets, target)
		in.Category = target.Config.Category()
	}
}

// WithParams sets the params, as given: a nil pointer of the executor's
// params type stays one.
func WithParams(p any) InjectOption {
	return func(in *framework.Inject) { in.Params = p }
}

// WithLogger sets the logger (a zap observer's, say, to check what the
// executor logs).
func WithLogger(log *zap.Logger) InjectOption {
	return func(in *framework.Inject) { in.Log = log }
}

// WithExpectations sets the expectation types.
func WithExpectations(types ...framework.ExpectationType) InjectOption {
	return func(in *framework.Inject) { in.ExpectationTypes = types }
}
