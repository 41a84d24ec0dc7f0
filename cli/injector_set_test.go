package cli_test

import (
	"strings"
	"sync/atomic"
	"testing"

	"github.com/injectkit/injectkit/cli"
	"github.com/injectkit/injectkit/framework"
	"github.com/injectkit/injectkit/internal/testkit"
	"github.com/injectkit/injectkit/openaev"
	"github.com/injectkit/injectkit/signatures"
)

// countedParams are the params of counted.
type countedParams struct {
	Mode string `json:"mode" doc:"a mode"`
}

// counted is an injector with a manifest, params and a setting it
// refuses "bad" for, whose factory counts its calls.
type counted struct{ idle }

func (counted) NewParams() any { return &countedParams{} }
func (counted) Manifest() framework.Manifest {
	return framework.Manifest{Name: "counted", Category: framework.Network,
		Expectations: []framework.ExpectationType{framework.Detection},
		Settings:     []framework.Setting{{Key: "level", Env: "INJECTKIT_COUNTED_LEVEL", Doc: "a level"}}}
}
func (counted) Configure(s map[string]string) error {
	if s["level"] == "bad" {
		return &signatures.ValidationError{Field: "counted.level", Value: "bad", Reason: "not a level"}
	}
	return nil
}

// A command builds each injector once, however many of its checks read
// it before anything runs (the settings, the manifest's, the params', the
// platform's, serve's settings): an injector's constructor may be costly
// or have side effects. Each command line here stops right after those
// checks, before the runtime builds the executor of the inject itself.
func TestInjectorBuiltOncePerCommand(t *testing.T) {
	backend := testkit.NewBackend(t)
	msg := contractMessage(t, openaev.ContractID("counted"))
	line := []string{"--target", "127.0.0.1", "--param", "mode=x", "--backend-url", backend.URL, "--log-level", "error"}
	tests := []struct {
		name string
		env  map[string]string
		args []string
		code int
		want string // what it stops on (or says)
	}{
		{"run", nil, append([]string{"run", "counted"}, line...), cli.ExitUsage, "no inject id: one is required"},
		{"run openaev profile", nil, append([]string{"run", "counted", "--profile", "openaev"}, line...), cli.ExitUsage, "no inject id: one is required"},
		{"validate", nil, append([]string{"validate", "counted"}, line...), cli.ExitUsage, "no inject id: one is required"},
		{"validate openaev profile", nil, append([]string{"validate", "counted", "--profile", "openaev"}, line...), cli.ExitUsage, "no inject id: one is required"},
		{"run openaev message", nil, []string{"run", "counted", "--openaev-message", msg, "--target", "127.0.0.1"},
			cli.ExitUsage, "--openaev-message takes the inject from the message"},
		{"injectors", nil, []string{"injectors", "counted"}, cli.ExitOK, "INJECTKIT_COUNTED_LEVEL"},
		{"serve", map[string]string{"INJECTKIT_COUNTED_LEVEL": "bad"}, []string{"serve", "--openaev-url", backend.URL, "--token", "tok",
			"--injector-id", "00000000-0000-4000-8000-000000000000", "--listen-addr", "", "--injectors", "counted"}, cli.ExitUsage, "not a level"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var built atomic.Int32
			reg := registry(func(r *framework.Registry) {
				r.Register("counted", func() framework.Executor { built.Add(1); return counted{} })
			})
			r := run(t, reg, tt.env, tt.args...)
			if r.code != tt.code || !strings.Contains(r.stdout+r.stderr, tt.want) {
				t.Fatalf("exit %d, want %d saying %s:\n%s%s", r.code, tt.code, tt.want, r.stdout, r.stderr)
			}
			if n := built.Load(); n != 1 {
				t.Errorf("the injector was built %d times, want once", n)
			}
		})
	}
}
