package nmap

import (
	"context"
	"fmt"
	"io"
	"slices"
	"strings"
	"testing"

	"github.com/injectkit/injectkit/framework"
)

// paddedReport is an nmap report of one host, addr with port 22 open,
// pad bytes of comments before it.
func paddedReport(addr string, pad int) string {
	var b strings.Builder
	b.WriteString(`<?xml version="1.0"?>` + "\n" + `<nmaprun scanner="nmap" args="nmap" version="7.93">` + "\n")
	line := "<!-- " + strings.Repeat("x", 1<<10-9) + " -->\n"
	for range pad / len(line) {
		b.WriteString(line)
	}
	typ := "ipv4"
	if strings.Contains(addr, ":") {
		typ = "ipv6"
	}
	fmt.Fprintf(&b, `<host><status state="up"/><address addr="%s" addrtype="%s"/><ports><port protocol="tcp" portid="22">`+
		`<state state="open"/><service name="ssh"/></port></ports></host>`+"\n", addr, typ)
	b.WriteString(`<runstats><finished time="2" exit="success"/></runstats>` + "\n</nmaprun>\n")
	return b.String()
}

// TestRawOutputIsBounded: nmap's output is kept for action_output up to
// maxRawOutput bytes over the inject's scans; past it, action_output ends
// with a marker naming what was kept, a WARN says so, and the scan's
// results, parsed from the whole report, are all reported.
func TestRawOutputIsBounded(t *testing.T) {
	tests := []struct {
		name    string
		targets []string
		pad     int // bytes of comments in each scan's report
		cut     int // WARN lines: scans cut
	}{
		{"a report under the bound, kept whole", []string{"127.0.0.1"}, 1 << 20, 0},
		{"a report past the bound", []string{"127.0.0.1"}, maxRawOutput + 1<<20, 1},
		{"two scans sharing the bound", []string{"127.0.0.1", "::1"}, maxRawOutput/2 + 1<<20, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var whole []string
			e := newTestExecutor(func(_ context.Context, args []string, _ io.Reader, stdout, _ io.Writer) error {
				addr := "127.0.0.1"
				if slices.Contains(args, "-6") {
					addr = "::1"
				}
				report := paddedReport(addr, tt.pad)
				whole = append(whole, report)
				_, err := io.WriteString(stdout, report)
				return err
			})
			in, logs := newInject(t, nil, tt.targets...)
			out := e.Execute(context.Background(), in)
			if out.ExecutionStatus() != framework.StatusSuccess {
				t.Fatalf("status %s: %+v", out.ExecutionStatus(), out.ErrorInfo)
			}
			if rows := out.Findings[FieldScanResults].([]ScanResult); len(rows) != len(tt.targets) {
				t.Errorf("scan_results %v, want a row for each of %v", rows, tt.targets)
			}
			raw := out.Findings[FieldActionOutput].(string)
			warns := logs.FilterMessageSnippet("nmap output cut").All()
			if len(warns) != tt.cut {
				t.Fatalf("%d WARN lines, want %d", len(warns), tt.cut)
			}
			if tt.cut == 0 {
				if raw != strings.Join(whole, "\n") {
					t.Errorf("action_output of %d bytes, not nmap's output of %d", len(raw), len(strings.Join(whole, "\n")))
				}
				return
			}
			if len(raw) > maxRawOutput+len(tt.targets)+len(rawCutMarker)+40 || !strings.HasSuffix(raw, " bytes kept -->") ||
				!strings.HasPrefix(raw, whole[0][:1<<10]) {
				t.Errorf("action_output of %d bytes, ending %q", len(raw), raw[max(len(raw)-100, 0):])
			}
			if f := warns[0].ContextMap(); f["bytes"] != int64(len(whole[len(whole)-1])) || f["max_raw_output"] != int64(maxRawOutput) {
				t.Errorf("WARN %q %v", warns[0].Message, f)
			}
		})
	}
}
