package cli_test

import (
	"strings"
	"testing"
	"time"

	"github.com/injectkit/injectkit/framework"
	"github.com/injectkit/injectkit/signatures"
)

// waiterParams has a duration its Validate refuses at 0, quoting it as
// Go writes it ("0s").
type waiterParams struct {
	Wait time.Duration `json:"wait" doc:"how long to wait"`
}

func (p waiterParams) Validate() error {
	if p.Wait <= 0 {
		return &signatures.ValidationError{Field: "wait", Value: p.Wait.String(), Reason: "must be greater than 0"}
	}
	return nil
}

// waiter is an injector with a duration param.
type waiter struct{ idle }

func (waiter) NewParams() any { return &waiterParams{Wait: time.Second} }
func (waiter) Manifest() framework.Manifest {
	return framework.Manifest{Name: "waiter", Category: framework.Network}
}

// A --param the injector refuses once parsed is quoted as the user wrote
// it in the run's WARN "inject rejected" line, as in the human line:
// wait=0, not the "0s" the duration was normalised to.
func TestRefusedParamQuotedAsWritten(t *testing.T) {
	tests := []struct {
		name, param, want string
	}{
		{"bare number", "wait=0", `invalid params.wait \"0\": must be greater than 0`},
		{"Go notation", "wait=0m", `invalid params.wait \"0m\": must be greater than 0`},
		{"as normalised", "wait=0s", `invalid params.wait \"0s\": must be greater than 0`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := run(t, withFake("waiter", waiter{}), nil, "run", "waiter", "--target", "127.0.0.1", "--param", tt.param,
				"--log-format", "json")
			_, written, _ := strings.Cut(tt.param, "=")
			human := `invalid param "wait=` + written + `" (--param): must be greater than 0`
			if r.code != 2 || !strings.Contains(r.stderr, `"msg":"inject rejected"`) || !strings.Contains(r.stderr, tt.want) ||
				!strings.Contains(r.stderr, human) {
				t.Errorf("exit %d, stderr:\n%s\nwant exit 2, the WARN saying %s and the line %s", r.code, r.stderr, tt.want, human)
			}
		})
	}
}
