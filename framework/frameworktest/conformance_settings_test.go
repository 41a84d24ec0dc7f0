package frameworktest_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/injectkit/injectkit/framework"
	"github.com/injectkit/injectkit/framework/frameworktest"
)

// keyed needs its required setting: Configure refuses it unset, and
// Execute, unconfigured, fails.
type keyed struct{ key, base string }

func (*keyed) Manifest() framework.Manifest {
	return framework.Manifest{Name: "keyed", Category: framework.Network, Settings: []framework.Setting{
		{Key: "api_key", Env: "KEYED_API_KEY", Secret: true, Required: true, Doc: "API key"},
		{Key: "base_url", Default: "https://api.example.com", Doc: "API base URL"},
	}}
}

func (k *keyed) Configure(s map[string]string) error {
	k.key, k.base = s["api_key"], s["base_url"]
	if k.key == "" {
		return errors.New("api_key is not set")
	}
	return nil
}

func (k *keyed) Execute(context.Context, *framework.Inject) framework.ToolOutput {
	if k.key != "k3y" || k.base != "https://api.example.com" {
		return framework.ToolOutput{Status: "unconfigured"} // an invalid status: Conformance reports it
	}
	return framework.ToolOutput{}
}

// Conformance configures the executor as the runtime does, with
// Options.Settings over the declared defaults, before running it; a
// refusal names Options.Settings, and a key no setting declares is
// refused.
func TestConformanceSettings(t *testing.T) {
	tests := []struct {
		name     string
		settings map[string]string
		want     string // "" for no failure
	}{
		{"required setting given", map[string]string{"api_key": "k3y"}, ""},
		{"required setting unset", nil, "Configure refused the settings (give a required one in Options.Settings, with ConformanceWith): api_key is not set"},
		{"unknown key", map[string]string{"api_key": "k3y", "apikey": "x"}, `Options.Settings: "apikey" is no setting of the manifest (declared: api_key, base_url)`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			msgs := check(t, func(tb testing.TB) {
				frameworktest.ConformanceWith(tb, &keyed{}, frameworktest.Options{Settings: tt.settings})
			})
			switch {
			case tt.want == "" && len(msgs) != 0:
				t.Errorf("Conformance reported %q", msgs)
			case tt.want != "" && (len(msgs) != 1 || !strings.Contains(msgs[0], tt.want)):
				t.Errorf("Conformance reported %q, want one failure saying %q", msgs, tt.want)
			}
		})
	}
}

// panickyManifest is keyed whose Manifest panics.
type panickyManifest struct{ keyed }

func (*panickyManifest) Manifest() framework.Manifest { panic("manifest boom") }

// When Manifest panics, Conformance reports the panic alone: not that
// Options.Settings names no setting of a manifest it could not read, nor
// what Configure says of settings it is not given.
func TestConformanceSettingsManifestPanicked(t *testing.T) {
	for _, settings := range []map[string]string{{"api_key": "k3y"}, nil} {
		msgs := check(t, func(tb testing.TB) {
			frameworktest.ConformanceWith(tb, &panickyManifest{}, frameworktest.Options{Settings: settings})
		})
		if len(msgs) != 1 || !strings.Contains(msgs[0], "Manifest panicked: manifest boom") {
			t.Errorf("settings %v: Conformance reported %q, want one failure naming the panic", settings, msgs)
		}
	}
}
