package framework_test

import (
	"testing"

	"github.com/injectkit/injectkit/framework"
)

// A setting is named by its key in any case and with any separator ('-',
// '_', '.', space), camelCase alike; another name names none.
func TestManifestSettingSpellings(t *testing.T) {
	m := framework.Manifest{Name: "probe", Settings: []framework.Setting{{Key: "endpoint_url"}, {Key: "api_key"}}}
	tests := []struct {
		name, want string // want "": no setting
	}{
		{"endpoint_url", "endpoint_url"},
		{"ENDPOINT_URL", "endpoint_url"},
		{"endpoint-url", "endpoint_url"},
		{"endpointUrl", "endpoint_url"},
		{"EndpointURL", "endpoint_url"},
		{"endpoint.url", "endpoint_url"},
		{"endpoint url", "endpoint_url"},
		{"api-key", "api_key"},
		{"apiKey", "api_key"},
		{"endpoint", ""},
		{"endpoint_urls", ""},
		{"endpoint/url", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, ok := m.Setting(tt.name)
			if ok != (tt.want != "") || s.Key != tt.want {
				t.Errorf("Setting(%q) = %q, %v; want %q", tt.name, s.Key, ok, tt.want)
			}
		})
	}
}
