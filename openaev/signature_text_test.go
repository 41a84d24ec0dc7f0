package openaev_test

import (
	"context"
	"testing"

	"github.com/injectkit/injectkit/openaev/openaevtest"
)

// TestBlankSignatureValueNotSent: an injector's extra of a collector
// signature type whose value is blank to Java (spaces, a tab, U+2003) is
// not sent, as the platform's SignatureOutputProcessor drops a value
// without text (StringUtils.hasText); one the platform keeps (a no-break
// space is text to Java) is sent and stored. Every command_line value
// the terminal callback carries is one the platform stores: the profile
// sent "\t" before, which the platform dropped.
func TestBlankSignatureValueNotSent(t *testing.T) {
	tests := []struct {
		name  string
		value string
		sent  bool // and stored
	}{
		{"a command line", "nmap -sT", true},
		{"spaces", "   ", false},
		{"a tab", "\t", false},
		{"an em space", "\u2003", false},
		{"a no-break space", "\u00a0", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnvOn(t, []openaevtest.Option{openaevtest.WithVersion(openaevtest.Current)})
			e.register(t)
			e.nmap.open = map[string][]int{"192.0.2.7": {22}}
			e.nmap.commandLine = tt.value
			body := e.message(t, "inj-blank", "nmap", map[string]any{"target_selector": "assets",
				"target_property_selector": "automatic", "scan_type": "connect"},
				[]map[string]any{asset("asset", "a1", "", "192.0.2.7", nil)}, nil)
			if err := e.proc.Process(context.Background(), body); err != nil {
				t.Fatal(err)
			}
			c, ok := e.platform.Terminal("inj-blank")
			if !ok || c.Outcome != openaevtest.Processed {
				t.Fatalf("terminal callback %v %s (%s)", ok, c.Outcome, c.Reason)
			}
			var sent []string
			for _, target := range expectationSignatures(t, c)["targets"].([]any) {
				for _, g := range target.(map[string]any)["signature_values"].([]any) {
					for _, v := range g.(map[string]any)["values"].([]any) {
						if v := v.(map[string]any); v["signature_type"] == "command_line" {
							sent = append(sent, v["signature_value"].(string))
						}
					}
				}
			}
			var stored []string
			for _, s := range e.platform.Signatures("inj-blank")["DETECTION"] {
				if s.Type == "command_line" {
					stored = append(stored, s.Value)
				}
			}
			if tt.sent != (len(sent) == 1) || len(sent) > 1 {
				t.Errorf("command_line sent %q, want it sent %v", sent, tt.sent)
			}
			if tt.sent != (len(stored) == 1 && stored[0] == tt.value) || len(stored) > 1 {
				t.Errorf("command_line stored %q, want %q stored %v", stored, tt.value, tt.sent)
			}
		})
	}
}
