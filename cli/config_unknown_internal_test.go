package cli

import (
	"strings"
	"testing"

	"github.com/injectkit/injectkit/framework"
)

// A config file's key that names an injector's setting but for case and
// separators is told the setting as framework.Manifest.Setting finds it
// (the rule env and the platform's settings are matched by), no more and
// no less: the injector's name folded alike.
func TestSpelledKeyFoldsAsManifestSetting(t *testing.T) {
	m := framework.Manifest{Name: "probe", Settings: []framework.Setting{{Key: "endpoint_url"}, {Key: "api_key"}}}
	ms := []framework.Manifest{m}
	for _, name := range []string{"probe", "PROBE", "Probe", "pro-be", "pro.be", "pro be", "pro_be", "prob", "probes", "pro/be"} {
		for _, key := range []string{
			"endpoint_url", "ENDPOINT_URL", "endpoint-url", "endpointUrl", "EndpointURL", "endpoint.url", "endpoint url",
			"ENDPOİNT_URL", "api-key", "apiKey", "endpoint", "endpoint_urls", "endpoint/url", "énd_point",
		} {
			if strings.Contains(name, ".") {
				break // the key's first dot ends the injector's name
			}
			t.Run(name+"."+key, func(t *testing.T) {
				want := ""
				if s, ok := m.Setting(key); ok && framework.FoldName(name) == framework.FoldName(m.Name) {
					want = m.Name + "." + s.Key
				}
				if got := spelledKey(ms, map[string]bool{}, name+"."+key); got != want {
					t.Errorf("spelledKey(%q) = %q; Manifest.Setting and the injector's name say %q", name+"."+key, got, want)
				}
			})
		}
		t.Run(name, func(t *testing.T) {
			want := ""
			if framework.FoldName(name) == framework.FoldName(m.Name) && name != m.Name {
				want = m.Name
			}
			if got := spelledKey(ms, map[string]bool{}, name); got != want {
				t.Errorf("spelledKey(%q) = %q, want %q", name, got, want)
			}
		})
	}
}
