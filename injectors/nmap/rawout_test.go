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
// pad bytes of comments before it, in lines of line bytes (pad in one line
// when line is 0).
func paddedReport(addr string, pad, line int) string {
	var b strings.Builder
	b.WriteString(`<?xml version="1.0"?>` + "\n" + `<nmaprun scanner="nmap" args="nmap" version="7.93">` + "\n")
	if line == 0 {
		line = pad
	}
	comment := "<!-- " + strings.Repeat("x", line-9) + " -->\n"
	for range max(pad/len(comment), 1) {
		b.WriteString(comment)
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
// maxRawOutput bytes over the inject's scans, separators and marker
// included; past it, action_output keeps whole lines from the start (none
// of the scans after the one cut) and ends with a marker naming the bytes
// kept and nmap's whole output, one WARN names the scans not kept whole,
// and the scans' results, parsed from the whole report, are all reported.
func TestRawOutputIsBounded(t *testing.T) {
	tests := []struct {
		name    string
		targets []string
		pad     int      // bytes of comments in each scan's report
		line    int      // bytes a comment line (0: one line)
		cut     []string // the scans named by the WARN
	}{
		{"a report under the bound, kept whole", []string{"127.0.0.1"}, 1 << 20, 1 << 10, nil},
		{"a report past the bound", []string{"127.0.0.1"}, maxRawOutput + 1<<20, 1 << 10, []string{"IPv4 scan of 127.0.0.1"}},
		{"a report past the bound in lines of 1000 bytes", []string{"127.0.0.1"}, maxRawOutput + 1<<20, 1000, []string{"IPv4 scan of 127.0.0.1"}},
		{"a report past the bound in one line", []string{"127.0.0.1"}, maxRawOutput + 1<<20, 0, []string{"IPv4 scan of 127.0.0.1"}},
		{"two scans sharing the bound", []string{"127.0.0.1", "::1"}, maxRawOutput/2 + 1<<20, 1 << 10, []string{"IPv6 scan of ::1"}},
		{"two scans, the first past the bound", []string{"127.0.0.1", "::1"}, maxRawOutput + 1<<20, 1000,
			[]string{"IPv4 scan of 127.0.0.1", "IPv6 scan of ::1"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var whole []string
			e := newTestExecutor(func(_ context.Context, args []string, _ io.Reader, stdout, _ io.Writer) error {
				addr := "127.0.0.1"
				if slices.Contains(args, "-6") {
					addr = "::1"
				}
				report := paddedReport(addr, tt.pad, tt.line)
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
			if tt.cut == nil {
				if len(warns) != 0 || raw != strings.Join(whole, "\n") {
					t.Errorf("%d WARN lines, action_output of %d bytes, not nmap's output of %d",
						len(warns), len(raw), len(strings.Join(whole, "\n")))
				}
				return
			}
			if len(raw) > maxRawOutput {
				t.Errorf("action_output of %d bytes, over the bound %d", len(raw), maxRawOutput)
			}
			i := strings.LastIndex(raw, "<!-- injectkit:")
			if i < 0 {
				t.Fatalf("action_output ends %q, no marker", raw[max(len(raw)-100, 0):])
			}
			kept, marker := raw[:i], raw[i:]
			if kept != "" && !strings.HasSuffix(kept, "\n") {
				t.Errorf("action_output's kept part ends %q, not after a whole line", kept[max(len(kept)-40, 0):])
			}
			// The bytes of nmap's output kept: the kept part less the
			// newlines between the scans' outputs.
			n, rest := 0, kept
			for _, w := range whole {
				if !strings.HasPrefix(w, rest) && !strings.HasPrefix(rest, w) {
					t.Fatalf("action_output's kept part is not nmap's output: %q…", rest[:min(len(rest), 80)])
				}
				take := min(len(rest), len(w))
				n, rest = n+take, strings.TrimPrefix(rest[take:], "\n")
			}
			total := 0
			for _, w := range whole {
				total += len(w)
			}
			if want := fmt.Sprintf(rawCutMarker, n, total); marker != want {
				t.Errorf("marker %q, want %q", marker, want)
			}
			if len(warns) != 1 {
				t.Fatalf("%d WARN lines, want 1", len(warns))
			}
			f := warns[0].ContextMap()
			if !slices.Equal(toStrings(f["scans"]), tt.cut) || f["kept"] != int64(n) || f["bytes"] != int64(total) ||
				f["max_raw_output"] != int64(maxRawOutput) {
				t.Errorf("WARN %q %v, want scans %v, kept %d, bytes %d", warns[0].Message, f, tt.cut, n, total)
			}
		})
	}
}

// toStrings returns a zap.Strings field's value as a []string.
func toStrings(v any) []string {
	var out []string
	if vs, ok := v.([]any); ok {
		for _, x := range vs {
			s, _ := x.(string)
			out = append(out, s)
		}
	}
	return out
}

// TestRawOutputText: the outputs kept within a small bound end after a
// whole line, never mid-line, the marker's numbers are the bytes of
// nmap's output kept and written, and the text fits the bound.
func TestRawOutputText(t *testing.T) {
	const (
		a = "IPv4 scan of 127.0.0.1"
		b = "IPv6 scan of ::1"
	)
	marker := func(kept, total int) string { return fmt.Sprintf(rawCutMarker, kept, total) }
	// A bound leaving 40 bytes of output and a newline beside the marker,
	// its numbers of 3 digits.
	bound := len(marker(100, 100)) + 1 + 40
	long := strings.Repeat("z", 150) + "\n"
	fill := "abcd\n" + strings.Repeat("e", bound-6) + "\n" // bound bytes
	tests := []struct {
		name    string
		outputs []rawScan // each output whole; its start kept within the room left
		want    string
		cut     []string
	}{
		{"all fit", []rawScan{{name: a, kept: "l1\nl2\n"}, {name: b, kept: "l3\n"}}, "l1\nl2\n\nl3\n", nil},
		{"no whole line kept", []rawScan{{name: a, kept: long}}, marker(0, 151), []string{a}},
		{"cut after a whole line", []rawScan{{name: a, kept: "abcd\n" + long}}, "abcd\n" + marker(5, 156), []string{a}},
		{"the second scan keeps nothing once the first is cut", []rawScan{{name: a, kept: "abcd\n" + long}, {name: b, kept: "xy\n"}},
			"abcd\n" + marker(5, 159), []string{a, b}},
		{"the first scan fills the bound: cut for the marker", []rawScan{{name: a, kept: fill}, {name: b, kept: "xy\n"}},
			"abcd\n" + marker(5, bound+3), []string{a, b}},
		{"a first scan kept whole without a last newline", []rawScan{{name: a, kept: "abcd"}, {name: b, kept: long}},
			"abcd\n" + marker(4, 155), []string{b}},
		{"a second scan keeping whole lines", []rawScan{{name: a, kept: "abcd\n"}, {name: b, kept: "xy\n" + long}},
			"abcd\n\nxy\n" + marker(8, 159), []string{b}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := rawOutput{max: bound}
			for _, o := range tt.outputs {
				var c capBuffer
				c.max = r.room()
				_, _ = io.WriteString(&c, o.kept)
				r.add(rawScan{name: o.name, kept: string(c.buf), bytes: c.total})
			}
			got, _, cut := r.text()
			if got != tt.want || !slices.Equal(cut, tt.cut) || len(got) > bound {
				t.Errorf("text %q, cut %v (max %d); want %q, cut %v", got, cut, bound, tt.want, tt.cut)
			}
		})
	}
}
