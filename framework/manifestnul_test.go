package framework_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/injectkit/injectkit/framework"
	"github.com/injectkit/injectkit/signatures"
)

// U+0000 in any text of a manifest is refused, naming the field: the
// platform's database refuses it (framework/manifestnul.go).
func TestValidateManifestRefusesNUL(t *testing.T) {
	const nul = "a\x00b"
	tests := []struct {
		name  string
		edit  func(*framework.Manifest)
		field string
	}{
		{"description", func(m *framework.Manifest) { m.Description = nul }, "probe.description"},
		{"param doc", func(m *framework.Manifest) { m.Params[0].Doc = nul }, "probe.params.port.doc"},
		{"param example", func(m *framework.Manifest) { m.Params[0].Example = nul }, "probe.params.port.example"},
		{"enum value", func(m *framework.Manifest) {
			m.Params = append(m.Params, framework.Param{Name: "mode", Type: framework.ParamEnum, Enum: []string{"fast", nul}})
		}, "probe.params.mode.enum[1]"},
		{"string default", func(m *framework.Manifest) {
			m.Params = append(m.Params, framework.Param{Name: "banner", Type: framework.ParamString, Default: nul})
		}, "probe.params.banner.default"},
		{"param name", func(m *framework.Manifest) { m.Params[0].Name = nul }, "probe.params[0].name"},
		{"setting doc", func(m *framework.Manifest) { m.Settings[0].Doc = nul }, "probe.settings.api_key.doc"},
		{"setting key", func(m *framework.Manifest) { m.Settings[0].Key = nul }, "probe.settings[0].key"},
		{"setting default", func(m *framework.Manifest) {
			m.Settings = append(m.Settings, framework.Setting{Key: "base_url", Default: nul})
		}, "probe.settings.base_url.default"},
		{"output field", func(m *framework.Manifest) { m.Outputs[0].Field = nul }, "probe.outputs[0].field"},
		{"output label", func(m *framework.Manifest) { m.Outputs[1].Labels = []string{"ports", nul} }, "probe.outputs[1].labels[1]"},
		{"platform", func(m *framework.Manifest) { m.Platforms = []string{nul} }, "probe.platforms[0]"},
		{"attack pattern", func(m *framework.Manifest) { m.AttackPatterns = []string{"T1046", nul} }, "probe.attack_patterns[1]"},
		{"domain name", func(m *framework.Manifest) { m.Domains = []framework.Domain{{Name: nul, Color: "#123456"}} }, "probe.domains[0].name"},
		{"domain colour", func(m *framework.Manifest) { m.Domains = []framework.Domain{{Name: "Network", Color: nul}} }, "probe.domains[0].color"},
		{"security platform", func(m *framework.Manifest) {
			m.SecurityPlatforms = map[framework.ExpectationType][]string{framework.Detection: {"SIEM", nul}}
		}, "probe.security_platforms.DETECTION[1]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := framework.ValidateManifest(manifestLike(tt.edit))
			var ve *signatures.ValidationError
			if !errors.As(err, &ve) || ve.Field != tt.field || ve.Value != nul {
				t.Fatalf("err = %v, want a validation error on %s %q", err, tt.field, nul)
			}
			if msg := err.Error(); !strings.Contains(msg, tt.field) || !strings.Contains(msg, `\x00`) || !strings.Contains(msg, "U+0000") {
				t.Errorf("err = %q, want the field, the value quoted and why", msg)
			}
		})
	}
	// Text reading \u0000 (a backslash, then u0000) is text as any other.
	if err := framework.ValidateManifest(manifestLike(func(m *framework.Manifest) { m.Description = `a\u0000b` })); err != nil {
		t.Errorf(`description a\u0000b: %v`, err)
	}
}
