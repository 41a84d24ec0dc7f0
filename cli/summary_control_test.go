package cli

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/injectkit/injectkit/framework"
	"github.com/injectkit/injectkit/injectors/nmap"
	"github.com/injectkit/injectkit/runtime"
)

// The summary shows what a scanned host answered (nmap's product and
// version of a service, read from its banner) and what an injector
// found: a C1 control in it (U+009B, the one-character CSI that an 8-bit
// terminal acts on) reached the terminal, while C0 ones were made spaces.
// Every control character of such a value is now a space.
func TestSummaryShowsNoControlCharacter(t *testing.T) {
	for _, tt := range []struct {
		name     string
		findings map[string]any
	}{
		{"a service's banner", map[string]any{nmap.FieldScanResults: []nmap.ScanResult{
			{Port: 22, Protocol: "tcp", Service: "ssh", Product: "Open\u009b2J\x1b[31mSSH", Version: "9\u00856", Host: "127.0.0.1", Target: "127.0.0.1"}}}},
		{"a finding of its own", map[string]any{"note": "a\u009b2J\u0090b\x7f"}},
		{"a finding not UTF-8", map[string]any{"note": "a\xffb"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := runtime.Report{Injector: "nmap", Status: framework.StatusSuccess, Targets: networkTargets("127.0.0.1"),
				Output: framework.ToolOutput{Findings: tt.findings}}
			var b strings.Builder
			if err := writeSummary(&b, &r, "signatures not sent"); err != nil {
				t.Fatal(err)
			}
			got := b.String()
			if strings.ContainsFunc(got, func(r rune) bool { return r != '\n' && (r < ' ' || (r >= 0x7f && r <= 0x9f)) }) ||
				!utf8.ValidString(got) {
				t.Errorf("summary holds a control character or invalid UTF-8:\n%q", got)
			}
			if !strings.Contains(got, "a") || !strings.Contains(got, "127.0.0.1") {
				t.Errorf("summary lost the finding:\n%q", got)
			}
		})
	}
}
