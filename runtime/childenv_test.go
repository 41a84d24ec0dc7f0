package runtime_test

import (
	"context"
	"slices"
	"testing"

	"github.com/injectkit/injectkit/framework"
	"github.com/injectkit/injectkit/framework/frameworktest"
	"github.com/injectkit/injectkit/runtime"
)

// acme is a third-party injector with a Secret setting whose variable has
// no prefix of injectkit's (ACME_API_KEY), one that is no secret, and a
// library's secret (ACME_SDK_TOKEN).
type acme struct{ frameworktest.Executor }

func (*acme) Manifest() framework.Manifest {
	return framework.Manifest{Name: "acme", Category: framework.Network,
		Expectations: []framework.ExpectationType{framework.Detection}, SecretEnv: []string{"ACME_SDK_TOKEN"},
		Settings: []framework.Setting{{Key: "api_key", Env: "ACME_API_KEY", Secret: true, Doc: "API key"},
			{Key: "endpoint", Env: "ACME_ENDPOINT", Doc: "not a secret"}}}
}

// The inject an executor is handed names, in SecretEnv, the variable of
// every Secret setting of every registered injector, its own or not, the
// variables of its libraries' secrets (Manifest.SecretEnv), and the
// caller's own (WithSecretEnv), each once: what
// a child process it starts must not inherit (framework.Inject.ChildEnv).
func TestInjectNamesEverySecretSettingsVariable(t *testing.T) {
	tests := []struct {
		name     string
		injector string   // the one run
		own      []string // WithSecretEnv's
		want     []string
	}{
		{"another injector's", "fake", nil, []string{"ACME_API_KEY", "ACME_SDK_TOKEN"}},
		{"its own", "acme", nil, []string{"ACME_API_KEY", "ACME_SDK_TOKEN"}},
		{"the caller's too", "fake", []string{"INJECTKIT_TOKEN", "ACME_API_KEY"}, []string{"ACME_API_KEY", "ACME_SDK_TOKEN", "INJECTKIT_TOKEN"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake, other := &frameworktest.Executor{}, &acme{}
			reg := framework.NewRegistry()
			reg.Register("fake", func() framework.Executor { return fake })
			reg.Register("acme", func() framework.Executor { return other })
			rt := runtime.New(reg, runtime.WithSignatures(pinnedManager()), runtime.WithSecretEnv(tt.own...))
			if _, err := rt.Run(context.Background(), runtime.Request{InjectID: "i-env", Injector: tt.injector, Targets: loopback()}); err != nil {
				t.Fatal(err)
			}
			calls := append(fake.Calls(), other.Calls()...)
			if len(calls) != 1 {
				t.Fatalf("%d calls, want 1", len(calls))
			}
			if got := calls[0].SecretEnv; !slices.Equal(got, tt.want) {
				t.Errorf("SecretEnv %q, want %q", got, tt.want)
			}
		})
	}
}
