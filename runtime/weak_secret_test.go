package runtime_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/injectkit/injectkit/framework"
	"github.com/injectkit/injectkit/framework/frameworktest"
	"github.com/injectkit/injectkit/runtime"
	"github.com/injectkit/injectkit/signatures"
)

// keyed is an external injector with a Secret setting, api_key.
type keyed struct{ frameworktest.Executor }

func (*keyed) Manifest() framework.Manifest {
	return framework.Manifest{Name: "fake", Category: framework.External,
		Expectations: []framework.ExpectationType{framework.Detection},
		Settings: []framework.Setting{{Key: "api_key", Env: "KEYED_API_KEY", Secret: true, Doc: "API key"},
			{Key: "region", Doc: "not a secret"}}}
}

func keyedSettings(key string) runtime.Option {
	return runtime.WithSettings(func(string) map[string]string { return map[string]string{"api_key": key, "region": "x"} })
}

// A target refused for holding the value of a Secret setting names that
// setting, and where it is given, never the value.
func TestTargetHoldingASecretSettingNamesIt(t *testing.T) {
	const key = "Zq8vLrT2pWm9XkA3bN7c"
	ex := &keyed{}
	rt, _ := newRuntime(t, ex, &recorder{}, keyedSettings(key))
	_, err := rt.Run(context.Background(), runtime.Request{Injector: "fake",
		Targets: []runtime.TargetSpec{{Query: "port:22"}, {Query: "apache " + key}}})
	var ve *signatures.ValidationError
	if !errors.As(err, &ve) || ve.Field != "targets[1].query" {
		t.Fatalf("err = %v, want targets[1].query refused", err)
	}
	for _, want := range []string{"fake's Secret setting api_key", "env KEYED_API_KEY or fake.api_key in the config file"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("%q does not say %q", err, want)
		}
	}
	if strings.Contains(err.Error(), key) || len(ex.Calls()) != 0 {
		t.Errorf("the key shown, or the inject run: %v", err)
	}
}
