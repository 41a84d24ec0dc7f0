package frameworktest_test

import (
	"context"
	"testing"

	"github.com/injectkit/injectkit/framework"
	"github.com/injectkit/injectkit/framework/frameworktest"
	"github.com/injectkit/injectkit/signatures"
)

type tokenParams struct {
	Token string `json:"token" param:"required" doc:"API token"`
	Port  int    `json:"port" doc:"port"`
}

func (p *tokenParams) Validate() error {
	if p.Token == "" {
		return &signatures.ValidationError{Field: "token", Reason: "required"}
	}
	return nil
}

// needsToken is an executor with a required param, checked by the params'
// own Validate too.
type needsToken struct{}

func (needsToken) Manifest() framework.Manifest {
	return framework.Manifest{Name: "needs-token", Category: framework.Network,
		Params: framework.MustParamsSpec(&tokenParams{Port: 443})}
}
func (needsToken) NewParams() any { return &tokenParams{Port: 443} }
func (needsToken) Execute(_ context.Context, in *framework.Inject) framework.ToolOutput {
	p, err := framework.ParamsOf[tokenParams](in)
	if err != nil || p.Token == "" {
		return framework.ToolOutput{Status: framework.StatusFailed, ErrorInfo: &framework.ErrorInfo{ExitCode: 2, Message: "no token"}}
	}
	return framework.ToolOutput{}
}

// A required param that Options.Params gives passes every check; without
// it, Conformance says to give it in Options.Params, which only
// ConformanceWith takes.
func TestConformanceRequiredParamFromOptions(t *testing.T) {
	given := frameworktest.Options{Params: map[string]any{"token": "t0k"}}
	if msgs := check(t, func(tb testing.TB) { frameworktest.ConformanceWith(tb, needsToken{}, given) }); len(msgs) != 0 {
		t.Errorf("with Options.Params giving the required param, Conformance reported %q", msgs)
	}
	msgs := check(t, func(tb testing.TB) { frameworktest.ConformanceWith(tb, needsToken{}, frameworktest.Options{}) })
	found := false
	// One param in the singular, with the call that gives it (tester t155).
	const want = "required param token has no default: give it in Options.Params, with ConformanceWith: " +
		`frameworktest.ConformanceWith(t, ex, frameworktest.Options{Params: map[string]any{"token": …}})`
	for _, m := range msgs {
		if m == want {
			found = true
		}
	}
	if !found {
		t.Errorf("without the required param, Conformance reported %q; want a failure naming it and Options.Params", msgs)
	}
}
