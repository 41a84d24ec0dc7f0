package cli_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/injectkit/injectkit/framework"
)

type bareParams struct {
	Port    int           `json:"port"`
	Verbose bool          `json:"verbose"`
	Name    string        `json:"name"`
	Wait    time.Duration `json:"wait"`
}

// bare has a ParamsFactory and no Manifester: it reports the params it
// got in its findings.
type bare struct{}

func (bare) NewParams() any { return &bareParams{Port: 80} }
func (bare) Execute(_ context.Context, in *framework.Inject) framework.ToolOutput {
	p, err := framework.ParamsOf[bareParams](in)
	if err != nil {
		return framework.ToolOutput{Status: framework.StatusFailed, ErrorInfo: &framework.ErrorInfo{ExitCode: 1, Message: err.Error()}}
	}
	return framework.ToolOutput{ExtraSignatures: map[string]any{"got": fmt.Sprintf("%d %v %s %s", p.Port, p.Verbose, p.Name, p.Wait)}}
}

// An injector with a ParamsFactory and no manifest takes --param values
// decoded against its struct's field types, as one with a manifest does.
func TestParamsOfFactoryWithoutManifest(t *testing.T) {
	reg := registry(func(r *framework.Registry) { r.Register("bare", func() framework.Executor { return bare{} }) })
	tests := []struct {
		params []string
		code   int
		want   string // in stdout (the findings), or stderr for a refusal
	}{
		{[]string{"port=8080", "verbose=true", "name=x", "wait=90"}, 0, `"signature_type":"got","signature_value":"8080 true x 1m30s"`},
		{[]string{"port=http"}, 2, `invalid param "port=http" (--param): not an integer`},
		{[]string{"verbose=sure"}, 2, `invalid param "verbose=sure" (--param): not a boolean`},
		{[]string{"colour=red"}, 2, `unknown parameter (known: name, port, verbose, wait)`},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.params, " "), func(t *testing.T) {
			args := []string{"run", "bare", "--target", "127.0.0.1", "--log-level", "error", "-o", "json"}
			for _, p := range tt.params {
				args = append(args, "--param", p)
			}
			r := run(t, reg, nil, args...)
			out := r.stdout
			if tt.code != 0 {
				out = r.stderr
			}
			if r.code != tt.code || !strings.Contains(out, tt.want) {
				t.Errorf("exit %d, want %d with %q:\nstdout %s\nstderr %s", r.code, tt.code, tt.want, r.stdout, r.stderr)
			}
		})
	}
}
