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

// A weak value given for a Secret setting gets one WARN per runtime,
// whatever its injects (a Validate and two Runs here), naming the setting
// and never the value; a strong one, or a runtime after a check pass
// (WithCheckPass), none.
func TestWeakSecretSettingWarnedOnce(t *testing.T) {
	tests := []struct {
		name  string
		key   string
		opts  []runtime.Option
		warns int
	}{
		{"a longer value holding a placeholder word", "changemeplease", nil, 0},
		{"a placeholder", "changeme", nil, 1},
		{"too short", "k3y", nil, 1},
		{"the documented example", "API_KEY", nil, 1},
		{"a real key", "Zq8vLrT2pWm9XkA3bN7c", nil, 0},
		{"after a check pass", "changeme", []runtime.Option{runtime.WithCheckPass()}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rt, logs := newRuntime(t, &keyed{}, &recorder{}, append(tt.opts, keyedSettings(tt.key))...)
			req := runtime.Request{Injector: "fake", Targets: []runtime.TargetSpec{{Query: "port:22"}}}
			if _, err := rt.Validate(context.Background(), req); err != nil {
				t.Fatal(err)
			}
			for range 2 {
				if _, err := rt.Run(context.Background(), req); err != nil {
					t.Fatal(err)
				}
			}
			warned := logs.FilterMessageSnippet("weak value for a Secret setting").All()
			if len(warned) != tt.warns {
				t.Fatalf("%d weak-secret WARNs, want %d", len(warned), tt.warns)
			}
			for _, w := range warned {
				if got := w.ContextMap()["setting"]; got != "fake.api_key" {
					t.Errorf("setting = %v, want fake.api_key", got)
				}
				line := w.Message + " " + strings.Join(fieldValues(w.ContextMap()), " ")
				if framework.FoldName(tt.key) != "apikey" && strings.Contains(line, tt.key) { // the setting's own name is no secret
					t.Errorf("the WARN quotes the value: %s", line)
				}
			}
		})
	}
}

func fieldValues(m map[string]any) []string {
	var out []string
	for _, v := range m {
		if s, ok := v.(string); ok {
			out = append(out, s)
		}
	}
	return out
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
