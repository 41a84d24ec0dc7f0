package openaev_test

import (
	"context"
	"strings"
	"testing"

	"github.com/injectkit/injectkit/framework"
	"github.com/injectkit/injectkit/openaev"
	"github.com/injectkit/injectkit/openaev/openaevtest"
	"github.com/injectkit/injectkit/runtime"
)

// TestNoNULReachesThePlatform: U+0000 in a run's text (a Shodan error
// body, a tool's output, an author's finding or extra) reaches the
// platform as U+FFFD, and every callback is processed, where the
// platform's database would refuse U+0000 and lose the callback after its
// 200 (openaevtest rule 12).
func TestNoNULReachesThePlatform(t *testing.T) {
	tests := []struct {
		name    string
		version openaevtest.Version
		setup   func(*fakeNmap)
		status  string // the inject's, afterwards
		// sent returns the text the platform got where the NUL was.
		sent func(t *testing.T, p *openaevtest.Platform, c openaevtest.Call) string
		want string // a substring of it
	}{
		{"run error in the message on 2.4.0", openaevtest.Version24,
			func(f *fakeNmap) { f.fail = "Invalid query \x00 near \a token" }, "ERROR",
			func(t *testing.T, _ *openaevtest.Platform, c openaevtest.Call) string {
				return c.Body["execution_message"].(string)
			}, "Invalid query \uFFFD near \a token"},
		{"run error in the message on Current", openaevtest.Current,
			func(f *fakeNmap) { f.fail = "\x00" }, "ERROR",
			func(t *testing.T, _ *openaevtest.Platform, c openaevtest.Call) string {
				return c.Body["execution_message"].(string)
			}, "\uFFFD"},
		{"finding", openaevtest.Current,
			func(f *fakeNmap) { f.service = "ss\x00h" }, "EXECUTED",
			func(t *testing.T, p *openaevtest.Platform, _ openaevtest.Call) string {
				rows, _ := p.Findings("inj-nul")["scan_results"].([]any)
				if len(rows) == 0 {
					t.Fatalf("no scan_results stored: %v", p.Findings("inj-nul"))
				}
				return rows[0].(map[string]any)["service"].(string)
			}, "ss\uFFFDh"},
		{"extra sent as a signature", openaevtest.Current,
			func(f *fakeNmap) { f.commandLine = "nmap -sT \x00" }, "EXECUTED",
			func(t *testing.T, p *openaevtest.Platform, _ openaevtest.Call) string {
				for _, s := range p.Signatures("inj-nul")["DETECTION"] {
					if s.Type == "command_line" {
						return s.Value
					}
				}
				t.Fatalf("no command_line signature stored: %v", p.Signatures("inj-nul"))
				return ""
			}, "nmap -sT \uFFFD"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnvOn(t, []openaevtest.Option{openaevtest.WithVersion(tt.version)})
			e.register(t)
			e.nmap.open = map[string][]int{"192.0.2.7": {22}}
			tt.setup(e.nmap)
			body := e.message(t, "inj-nul", "nmap", map[string]any{"target_selector": "assets",
				"target_property_selector": "automatic", "scan_type": "connect"},
				[]map[string]any{asset("asset", "a1", "", "192.0.2.7", nil)}, nil)
			if err := e.proc.Process(context.Background(), body); err != nil {
				t.Fatal(err)
			}
			for _, c := range e.platform.Dropped() {
				t.Errorf("%s dropped: %s", c.Kind, c.Reason)
			}
			c, ok := e.platform.Terminal("inj-nul")
			if !ok || c.Outcome != openaevtest.Processed {
				t.Fatalf("terminal callback %v %s (%s)", ok, c.Outcome, c.Reason)
			}
			if got := e.platform.InjectStatus("inj-nul"); got != tt.status {
				t.Errorf("inject status %s, want %s", got, tt.status)
			}
			if got := tt.sent(t, e.platform, c); !strings.Contains(got, tt.want) || strings.ContainsRune(got, 0) {
				t.Errorf("sent %q, want it to hold %q", got, tt.want)
			}
		})
	}
}

// TestTextFindingWithNULBounded: a text finding holding U+0000 is
// bounded as the platform reads it, U+0000 become U+FFFD (three bytes):
// it fits the findings index's row limit, where the three bytes would
// have taken it over and rolled the callback back.
func TestTextFindingWithNULBounded(t *testing.T) {
	long := strings.Repeat("<x>\x00</x>", openaev.MaxFindingRow/8)
	m := framework.Manifest{Name: "t", Outputs: []framework.Output{
		{Type: "text", Field: "lines", Multiple: true}, {Type: "text", Field: "summary"},
		{Type: "text", Field: "joined"}, {Type: "file", Field: "files"}}}
	findings := map[string]any{"lines": []string{"ok\x00", long}, "summary": long, "joined": []any{long[:1500], long[:1500]},
		"files": []string{long}}
	for _, v := range []openaev.PlatformVersion{{Raw: "3.260821.0", Current: true}, {Raw: "2.4.0"}} {
		r := &runtime.Report{Output: framework.ToolOutput{Findings: findings}}
		doc := sentTextFindings(t, r, &m, v)
		values := append([]string{doc.Summary, doc.Joined}, doc.Lines...)
		if f, ok := doc.Files.(string); ok {
			values = append(values, f) // 2.4.0: file as text
		}
		for _, f := range values {
			if len(f) > openaev.FindingValueRoom("", "lines") || strings.ContainsRune(f, 0) || !strings.ContainsRune(f, '\uFFFD') {
				t.Errorf("%s: finding of %d bytes: %q…", v, len(f), f[:min(len(f), 40)])
			}
		}
	}
}
