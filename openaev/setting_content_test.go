package openaev_test

import (
	"strings"
	"testing"

	"github.com/injectkit/injectkit/framework"
	"github.com/injectkit/injectkit/injectors/noop"
	"github.com/injectkit/injectkit/openaev"
)

// A message whose inject_content gives a setting of the injector, its
// key in any case and with any separator, is refused, naming the key and where the host gives it, never quoting the
// value (a setting may be secret); an empty one gives nothing and is let
// through, as an empty param is.
func TestTranslateRefusesSettings(t *testing.T) {
	e := newEnv(t)
	m := (&fakeNmap{}).Manifest()
	m.Settings = []framework.Setting{{Key: "api_key", Env: "NMAP_API_KEY", Secret: true}, {Key: "base_url"}}
	e.build([]framework.Manifest{m, noop.New().Manifest()})
	known := "unknown parameter (known: " + strings.Join(m.ParamNames(), ", ") + "); "
	// refused is the error for inject_content.key naming setting, whose
	// place on the host is where.
	refused := func(key, setting, where string) string {
		return "invalid inject_content." + key + ": " + known + setting +
			" is a setting of nmap, which an inject cannot choose: give it on the injectkit host as " + where + " in the config file"
	}
	const apiKey, baseURL = "env NMAP_API_KEY or nmap.api_key", "nmap.base_url"
	tests := []struct {
		name    string
		key     string
		value   any
		wantErr string
	}{
		{"secret setting", "api_key", "s3cr3t-value", refused("api_key", "api_key", apiKey)},
		{"setting without env", "base_url", "http://127.0.0.1:9", refused("base_url", "base_url", baseURL)},
		{"key in another case", "Base_URL", "http://127.0.0.1:9", refused("Base_URL", "base_url", baseURL)},
		{"key with dashes", "base-url", "http://127.0.0.1:9", refused("base-url", "base_url", baseURL)},
		{"key in camelCase", "baseUrl", "http://127.0.0.1:9", refused("baseUrl", "base_url", baseURL)},
		{"key dotted, spaced", "API.key ", "s3cr3t-value", refused("API.key ", "api_key", apiKey)},
		{"not a scalar", "api_key", map[string]any{"k": "s3cr3t-value"}, "invalid inject_content.api_key: unknown parameter"},
		{"a list of one", "api_key", []string{"s3cr3t-value"}, "invalid inject_content.api_key: unknown parameter"},
		{"empty", "api_key", "", ""},
		{"null", "api_key", nil, ""},
		{"empty list", "api_key", []string{}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			content := map[string]any{"target_selector": "manual", "targets": "192.0.2.1", tt.key: tt.value}
			body := e.message(t, "inj-s", "nmap", content, nil, nil)
			req, ok := e.translate(t, body, tt.wantErr)
			if !ok {
				return
			}
			if _, given := req.Params[tt.key]; given {
				t.Errorf("params %v hold the setting", req.Params)
			}
		})
	}
	// The value is never quoted.
	m2, err := openaev.ParseMessage(e.message(t, "inj-q", "nmap",
		map[string]any{"target_selector": "manual", "targets": "192.0.2.1", "api_key": "s3cr3t-value"}, nil, nil))
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := e.proc.Translate(t.Context(), m2); err == nil || strings.Contains(err.Error(), "s3cr3t") {
		t.Errorf("err = %v, want a refusal that does not quote the value", err)
	}
}
