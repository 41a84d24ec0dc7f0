package cli

import (
	"strings"
	"testing"
	"unicode"

	"github.com/injectkit/injectkit/framework"
	"github.com/injectkit/injectkit/injectors/nmap"
	"github.com/injectkit/injectkit/runtime"
)

// TestSummaryShowsNoFormatCharacter: what a scanned host or a search
// engine answered (a banner's product, an engine's error) reached the
// terminal's summary with its format characters and line and paragraph
// separators as sent, control characters alone being made spaces: a bidi
// override (U+202E) made the rest of the line read backwards, a
// zero-width space hid in it, U+2028 broke it. Each is now a space too;
// letters of every script are kept.
func TestSummaryShowsNoFormatCharacter(t *testing.T) {
	for _, tt := range []struct {
		name     string
		findings map[string]any
		info     *framework.ErrorInfo
	}{
		{"a service's banner", map[string]any{nmap.FieldScanResults: []nmap.ScanResult{
			{Port: 22, Protocol: "tcp", Service: "ssh", Product: "Open\u202eHSS\u200b", Version: "9\u20286 שלום", Host: "127.0.0.1", Target: "127.0.0.1"}}}, nil},
		{"the run's error", map[string]any{}, &framework.ErrorInfo{ExitCode: 1, Message: "refused (HTTP 403: bad \u202eevil\u2029x\u2066y\u00ad שלום)"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := runtime.Report{Injector: "nmap", Status: framework.StatusSuccess, Targets: networkTargets("127.0.0.1"),
				Output: framework.ToolOutput{Findings: tt.findings, ErrorInfo: tt.info}}
			if tt.info != nil {
				r.Status, r.Output.Status = framework.StatusFailed, framework.StatusFailed
			}
			var b strings.Builder
			if err := writeSummary(&b, &r, "signatures not sent"); err != nil {
				t.Fatal(err)
			}
			got := b.String()
			if i := strings.IndexFunc(got, func(r rune) bool { return unicode.In(r, unicode.Cf, unicode.Zl, unicode.Zp) }); i >= 0 {
				t.Errorf("summary holds %U at byte %d:\n%q", []rune(got[i:])[0], i, got)
			}
			if !strings.Contains(got, "שלום") {
				t.Errorf("summary lost the right-to-left word:\n%q", got)
			}
		})
	}
}
