package framework_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/injectkit/injectkit/framework"
	"github.com/injectkit/injectkit/signatures"
)

// pauseParams has a duration param of each kind: one whose default is 0
// (none), one with a default of its own, one required.
type pauseParams struct {
	Delay time.Duration `json:"delay"`
	Wait  time.Duration `json:"wait"`
	Need  time.Duration `json:"need" param:"required"`
}

type pauser struct{}

func (pauser) Execute(context.Context, *framework.Inject) framework.ToolOutput {
	return framework.ToolOutput{}
}
func (pauser) NewParams() any { return &pauseParams{Wait: 30 * time.Second} }

// A duration param that rounds to 0s is told what to write instead by
// what 0 does to it, on the command line (ParseParam) as in an inject
// (DecodeParams): "write 0 for none" only where 0 is its default, "leave
// the param out for the default" where it has another, nothing more for a
// required one.
func TestParamRoundsToZeroAdvice(t *testing.T) {
	m := &framework.Manifest{Name: "pauser", Params: framework.MustParamsSpec(pauser{}.NewParams())}
	const rounds = "rounds to 0s: the shortest duration is 1ns"
	tests := []struct{ key, want string }{
		{"delay", rounds + " (write 0 for none)"},
		{"wait", rounds + " (leave the param out for the default)"},
		{"need", rounds},
	}
	for _, tt := range tests {
		t.Run(tt.key, func(t *testing.T) {
			_, perr := framework.ParseParam(m, tt.key, "1e-10")
			raw := map[string]any{"need": "1s", tt.key: 1e-10}
			_, derr := framework.DecodeParams(pauser{}, raw)
			for name, err := range map[string]error{"ParseParam": perr, "DecodeParams": derr} {
				var ve *signatures.ValidationError
				if !errors.As(err, &ve) || ve.Field != "params."+tt.key || ve.Reason != tt.want {
					t.Errorf("%s: %v, want params.%s refused: %s", name, err, tt.key, tt.want)
				}
			}
		})
	}
}

// ZeroAdvice completes ParseDuration's ErrRoundsToZero alone.
func TestZeroAdvice(t *testing.T) {
	_, rounds := framework.ParseDuration("0.1ns")
	_, other := framework.ParseDuration("soon")
	tests := []struct {
		name      string
		err       error
		zeroTaken bool
		what      string
		want      string
	}{
		{"0 taken", rounds, true, "the setting", framework.ErrRoundsToZero.Error() + " (write 0 for none)"},
		{"0 refused", rounds, false, "the field", framework.ErrRoundsToZero.Error() + " (leave the field out for the default)"},
		{"no default", rounds, false, "", framework.ErrRoundsToZero.Error()},
		{"another error", other, true, "the field", other.Error()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := framework.ZeroAdvice(tt.err, tt.zeroTaken, tt.what)
			if err.Error() != tt.want || !errors.Is(err, tt.err) {
				t.Errorf("got %q, want %q wrapping %v", err, tt.want, tt.err)
			}
		})
	}
}
