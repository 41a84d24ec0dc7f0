package runtime_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/injectkit/injectkit/framework"
	"github.com/injectkit/injectkit/framework/frameworktest"
	"github.com/injectkit/injectkit/internal/fold"
	"github.com/injectkit/injectkit/internal/httpx"
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
		{"the documented example, another case", "Api_Key", nil, 1},
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
				want := "fake.api_key"
				if fold.Name(tt.key) == "apikey" { // see TestWeakSecretNamedByWhatItsValueLeaves
					want = "KEYED_API_KEY"
				}
				if got := w.ContextMap()["setting"]; got != want {
					t.Errorf("setting = %v, want %s", got, want)
				}
				line := w.Message + " " + strings.Join(fieldValues(w.ContextMap()), " ")
				if httpx.Redact(line, tt.key) != line {
					t.Errorf("the WARN quotes the value: %s", line)
				}
			}
		})
	}
}

// shodanKeyed is an external injector whose Secret setting, the second
// of two, has a key of ShortSecret bytes or more (which the log redaction
// replaces anywhere, not only as a word) within its environment
// variable's name, as query's.
type shodanKeyed struct{ frameworktest.Executor }

func (*shodanKeyed) Manifest() framework.Manifest {
	return framework.Manifest{Name: "fake", Category: framework.External,
		Expectations: []framework.ExpectationType{framework.Detection},
		Settings: []framework.Setting{{Key: "base_url", Doc: "not a secret"},
			{Key: "shodan_api_key", Env: "INJECTKIT_SHODAN_API_KEY", Secret: true, Doc: "Shodan API key"}}}
}

// The log redaction replaces a secret's value wherever it stands, so a
// weak value that is one of the setting's names (its key, its
// environment variable, the injector's name) would garble the WARN
// ("fake.[REDACTED]"): the WARN names the setting by the names the value
// leaves whole, else by its place in the injector's listing and its doc,
// and the line, redacted of the value, is unchanged.
func TestWeakSecretNamedByWhatItsValueLeaves(t *testing.T) {
	const withheld = "its names withheld: they hold its value, which the logs redact wherever it stands"
	const byPlace = `setting 2 of 2 of injector fake, as "injectors fake" lists them: Shodan API key`
	tests := []struct {
		name, key                string
		ex                       framework.Executor
		injector, setting, where string
	}{
		{"its key, as a word within its env", "api_key", &keyed{}, "fake", "KEYED_API_KEY", "env KEYED_API_KEY"},
		{"its key in capitals", "API_KEY", &keyed{}, "fake", "KEYED_API_KEY", "env KEYED_API_KEY"},
		{"its env", "KEYED_API_KEY", &keyed{}, "fake", "fake.api_key", "fake.api_key in the config file"},
		{"its env in lower case", "keyed_api_key", &keyed{}, "fake", "fake.api_key", "fake.api_key in the config file"},
		{"the injector's name", "fake", &keyed{}, "", "KEYED_API_KEY", "env KEYED_API_KEY"},
		{"a placeholder", "changeme", &keyed{}, "fake", "fake.api_key", "env KEYED_API_KEY or fake.api_key in the config file"},
		{"its key, within its env", "shodan_api_key", &shodanKeyed{}, "fake", byPlace, withheld},
		{"its key in capitals, within its env", "SHODAN_API_KEY", &shodanKeyed{}, "fake", byPlace, withheld},
		{"its env, holding its key", "INJECTKIT_SHODAN_API_KEY", &shodanKeyed{}, "fake", "fake.shodan_api_key", "fake.shodan_api_key in the config file"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			settings := runtime.WithSettings(func(string) map[string]string {
				return map[string]string{"api_key": tt.key, "shodan_api_key": tt.key}
			})
			rt, logs := newRuntime(t, tt.ex, &recorder{}, settings)
			req := runtime.Request{Injector: "fake", Targets: []runtime.TargetSpec{{Query: "port:22"}}}
			if _, err := rt.Validate(context.Background(), req); err != nil {
				t.Fatal(err)
			}
			warned := logs.FilterMessageSnippet("weak value for a Secret setting").All()
			if len(warned) != 1 {
				t.Fatalf("%d weak-secret WARNs, want 1", len(warned))
			}
			f := warned[0].ContextMap()
			if f["setting"] != tt.setting || f["where"] != tt.where {
				t.Errorf("setting %q where %q, want %q, %q", f["setting"], f["where"], tt.setting, tt.where)
			}
			if inj, _ := f["injector"].(string); inj != tt.injector {
				t.Errorf("injector %q, want %q", inj, tt.injector)
			}
			line := warned[0].Message + " " + strings.Join(fieldValues(f), " ")
			if red := httpx.Redact(line, tt.key); red != line {
				t.Errorf("the log redaction garbles the WARN: %s", red)
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
