package framework_test

import (
	"context"
	"errors"
	"testing"

	"github.com/injectkit/injectkit/framework"
	"github.com/injectkit/injectkit/signatures"
)

type timedParams struct {
	CallTimeout string `json:"call_timeout"`
	MaxResults  int    `json:"max_results"`
}

// timed is an executor whose params have names of two words.
type timed struct{}

func (timed) Execute(context.Context, *framework.Inject) framework.ToolOutput {
	return framework.ToolOutput{}
}
func (timed) NewParams() any { return &timedParams{} }
func (t timed) Manifest() framework.Manifest {
	return framework.Manifest{Name: "timed", Params: framework.MustParamsSpec(t.NewParams())}
}

// A param key written in another separator or case style than the
// param's name (kebab, camelCase, dotted, spaced) is refused, as params
// are exact, with the name to write, as a key that differs only by case
// is, whether --param (ParseParam) or an inject file (DecodeParams) gives
// it. A key that folds to no name gets the list of the known ones.
func TestParamSpellingHint(t *testing.T) {
	for _, tt := range []struct{ key, want string }{
		{"call-timeout", "unknown parameter; keys are written exactly, case and separators included: write call_timeout"},
		{"callTimeout", "unknown parameter; keys are written exactly, case and separators included: write call_timeout"},
		{"Call.Timeout", "unknown parameter; keys are written exactly, case and separators included: write call_timeout"},
		{"max results", "unknown parameter; keys are written exactly, case and separators included: write max_results"},
		{"CALL_TIMEOUT", "unknown parameter; keys are case-sensitive: write call_timeout"},
		{"calltimeouts", "unknown parameter (known: call_timeout, max_results)"},
	} {
		t.Run(tt.key, func(t *testing.T) {
			m := timed{}.Manifest()
			_, perr := framework.ParseParam(&m, tt.key, "5s")
			_, derr := framework.DecodeParams(timed{}, map[string]any{tt.key: "5s"})
			for how, err := range map[string]error{"ParseParam": perr, "DecodeParams": derr} {
				var ve *signatures.ValidationError
				if !errors.As(err, &ve) || ve.Field != "params."+tt.key || ve.Reason != tt.want {
					t.Errorf("%s: %v, want params.%s: %s", how, err, tt.key, tt.want)
				}
			}
		})
	}
	// The key stays exact: the right name still decodes.
	p, err := framework.DecodeParams(timed{}, map[string]any{"call_timeout": "5s"})
	if err != nil || p.(*timedParams).CallTimeout != "5s" {
		t.Errorf("call_timeout: %v, %+v", err, p)
	}
}
