package cli_test

import (
	"net/http"
	"slices"
	"testing"

	"github.com/injectkit/injectkit/framework"
	"github.com/injectkit/injectkit/framework/frameworktest"
)

// The inject an executor is handed by run and serve names the backend
// token's variable in its SecretEnv, beside the injectors' Secret
// settings: a child process the executor starts with ChildEnv's
// environment does not inherit the token, whichever way the run was given
// it.
func TestChildEnvWithholdsTheBackendToken(t *testing.T) {
	environ := []string{"INJECTKIT_TOKEN=tokAlpha-7Q9zR2xW", "PATH=/usr/bin", "LANG=C"}
	tests := []struct {
		name string
		env  map[string]string
		args []string
	}{
		{"token in the environment", map[string]string{"INJECTKIT_TOKEN": "tokAlpha-7Q9zR2xW"}, nil},
		{"token by --token", nil, []string{"--token", "tokAlpha-7Q9zR2xW"}},
		{"printed, no backend", nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ex := &frameworktest.Executor{}
			reg := registry(func(r *framework.Registry) { r.Register("rec", func() framework.Executor { return ex }) })
			args := []string{"run", "rec", "--target", "127.0.0.1", "--inject-id", "i-env", "--outbox", "none"}
			if tt.env != nil || tt.args != nil {
				args = append(args, "--backend-url", newBackend(t, http.StatusOK).URL)
			}
			r := run(t, reg, tt.env, append(args, tt.args...)...)
			calls := ex.Calls()
			if len(calls) != 1 {
				t.Fatalf("exit %d, %d calls, want 1:\n%s", r.code, len(calls), r.stderr)
			}
			if !slices.Contains(calls[0].SecretEnv, "INJECTKIT_TOKEN") {
				t.Errorf("SecretEnv %q, want INJECTKIT_TOKEN in it", calls[0].SecretEnv)
			}
			if got, want := calls[0].ChildEnv(environ), environ[1:]; !slices.Equal(got, want) {
				t.Errorf("ChildEnv = %q, want %q", got, want)
			}
		})
	}
}
