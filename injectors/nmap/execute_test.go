package nmap

import (
	"context"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"testing"

	"go.uber.org/zap/zapcore"

	"github.com/injectkit/injectkit/framework"
)

// TestExecuteLogsProgress replays real reports holding <taskprogress>
// elements: each is one INFO line with the task, the percent and, when nmap
// wrote one, the estimate (a service scan's first lines have none: no
// remaining 0, no etc in 1970).
func TestExecuteLogsProgress(t *testing.T) {
	for _, tt := range []struct {
		dir, task string
		estimate  bool
	}{
		{"progress", "Connect Scan", true},
		{"service_progress", "Service scan", false},
	} {
		t.Run(tt.dir, func(t *testing.T) {
			e := newTestExecutor(replay(filepath.Join("testdata", tt.dir)))
			cfg, logs := newInject(t, nil, "127.0.0.1")
			out := e.Execute(context.Background(), cfg)
			if out.ExecutionStatus() != framework.StatusSuccess {
				t.Fatalf("status %q: %+v", out.ExecutionStatus(), out.ErrorInfo)
			}
			want := strings.Count(string(readFixture(t, tt.dir+"/nmap.xml")), "<taskprogress ")
			entries := logs.FilterMessage("nmap progress").All()
			if len(entries) != want || want == 0 {
				t.Fatalf("%d progress lines logged, want %d", len(entries), want)
			}
			for _, e := range entries {
				f := e.ContextMap()
				_, etc := f["etc"]
				_, remaining := f["remaining"]
				if e.Level != zapcore.InfoLevel || f["task"] != tt.task || f["percent"] == nil ||
					etc != tt.estimate || remaining != tt.estimate {
					t.Errorf("progress entry %v %v", e.Level, f)
				}
			}
		})
	}
}

// TestExecuteBadOutput: nmap exits 0 but writes something else than a
// report.
func TestExecuteBadOutput(t *testing.T) {
	e := newTestExecutor(func(_ context.Context, _ []string, _ io.Reader, stdout, _ io.Writer) error {
		_, err := io.WriteString(stdout, "<html>not nmap</html>")
		return err
	})
	cfg, _ := newInject(t, nil, "127.0.0.1")
	out := e.Execute(context.Background(), cfg)
	if out.ErrorInfo == nil || out.ErrorInfo.ExitCode != ExitBadOutput || !strings.Contains(out.ErrorInfo.Message, "not an nmap XML report") {
		t.Fatalf("ErrorInfo = %+v", out.ErrorInfo)
	}
	if out.TargetExtras != nil {
		t.Errorf("target extras %v for a run without a report", out.TargetExtras)
	}
}

// TestScanOutcomeSaid: an error quotes nmap's errormsg, else the end of its
// standard error on one line, bounded.
func TestScanOutcomeSaid(t *testing.T) {
	long := strings.Repeat("é", maxSaid) + " the end\n"
	tests := []struct {
		name string
		o    scanOutcome
		want string
	}{
		{"nothing", scanOutcome{}, ""},
		{"stderr lines", scanOutcome{stderr: "Failed to resolve \"x\".\nWARNING: No targets\n"},
			`Failed to resolve "x". WARNING: No targets`},
		{"errormsg first", scanOutcome{run: &nmapRun{ErrorMsg: "QUITTING"}, stderr: "noise"}, "QUITTING"},
		{"long stderr", scanOutcome{stderr: long}, "…" + strings.Repeat("é", (maxSaid-len(" the end"))/2) + " the end"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.o.said(); got != tt.want {
				t.Errorf("said = %q, want %q", got, tt.want)
			}
		})
	}
}

// TestExecuteCancelledBeforeStart: a context already ended runs nothing.
func TestExecuteCancelledBeforeStart(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	e := newTestExecutor(neverRun(t))
	cfg, _ := newInject(t, nil, "127.0.0.1")
	out := e.Execute(ctx, cfg)
	if out.ExecutionStatus() != framework.StatusTimeout {
		t.Fatalf("status %q, want timeout", out.ExecutionStatus())
	}
}

// TestExecuteMatchesByAddressNotPosition: nmap reports hosts in its own
// order; each target gets its own host's ports.
func TestExecuteMatchesByAddressNotPosition(t *testing.T) {
	e := newTestExecutor(replay("testdata/several_hosts"))
	cfg, _ := newInject(t, nil, "127.0.0.2", "127.0.0.3", "127.0.0.1")
	out := e.Execute(context.Background(), cfg)
	wantPorts := [][]int{{18100}, {}, {18100}}
	for i, want := range wantPorts {
		got := out.TargetExtras[cfg.Targets[i]][framework.Detection][KeyPortsDiscovered].([]int)
		if len(got) != len(want) || (len(want) > 0 && got[0] != want[0]) {
			t.Errorf("target %d (%s): ports %v, want %v", i, cfg.Targets[i].Config, got, want)
		}
	}
	for _, r := range out.Findings[FieldScanResults].([]ScanResult) {
		if r.Target != r.Host {
			t.Errorf("row %+v attributed to another target", r)
		}
	}
}

// TestExecuteSameHostTwoAssets: two targets naming one host (the same
// address, and a name nmap was given) each get the host's ports, and nmap is
// given the address once.
func TestExecuteSameHostTwoAssets(t *testing.T) {
	rec := &recorder{next: replay("testdata/hostname")}
	e := newTestExecutor(rec.run)
	cfg, _ := newInject(t, nil, "localhost", "localhost", "127.0.0.1")
	out := e.Execute(context.Background(), cfg)
	if calls := rec.Calls(); len(calls) != 1 || calls[0].Stdin != "localhost\n127.0.0.1\n" {
		t.Fatalf("calls = %+v", calls)
	}
	assets := map[string]bool{}
	for _, r := range out.Findings[FieldScanResults].([]ScanResult) {
		assets[r.AssetID] = true
	}
	if len(assets) != 3 {
		t.Errorf("scan results attributed to assets %v, want asset-a, asset-b, asset-c", assets)
	}
	for i := range cfg.Targets {
		if got := out.TargetExtras[cfg.Targets[i]][framework.Prevention][KeyServicesDiscovered].([]string); len(got) != 1 || got[0] != "18100/tcp ssh" {
			t.Errorf("target %d services_discovered = %v", i, got)
		}
	}
}

// TestExecuteBrokenReport: an XML report nmap ended normally (exit 0) but
// that breaks off unreadable says so: before its first host, the scan
// failed as not an nmap XML report (exit code 3, not "no host for any
// target"); after one, the run is partial, the hosts read are reported and
// the message says where the report breaks off and why.
func TestExecuteBrokenReport(t *testing.T) {
	const head = `<?xml version="1.0"?>` + "\n" + `<nmaprun scanner="nmap" args="nmap" version="7.93">` + "\n"
	const host1 = `<host><status state="up"/><address addr="127.0.0.1" addrtype="ipv4"/><ports><port protocol="tcp" portid="22">` +
		`<state state="open"/><service name="ssh"/></port></ports></host>` + "\n"
	tests := []struct {
		name    string
		output  string
		status  framework.ExecutionStatus
		message string
		rows    int
	}{
		{"broken before any host", head + `<host><address addr="127.0.0.1" addrtype="ipv4"/><ports><port protocol="tcp" portid="22"><state state="open"/>garbage<<<` + "\n",
			framework.StatusFailed, "IPv4 scan of 127.0.0.1, 127.0.0.2: output is not an nmap XML report: unreadable before its first host: XML syntax error on line 3", 0},
		{"broken after the first host", head + host1 + `<host><address addr="127.0.0.2" addrtype="ipv4"/><ports><port protocol="tcp" portid="22"><state state="open"/>&bogus;<<<` + "\n",
			framework.StatusPartial, "IPv4 scan of 127.0.0.1, 127.0.0.2: nmap's report breaks off after 1 host: XML syntax error on line 4", 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newTestExecutor(func(_ context.Context, _ []string, _ io.Reader, stdout, _ io.Writer) error {
				_, err := io.WriteString(stdout, tt.output)
				return err
			})
			in, _ := newInject(t, nil, "127.0.0.1", "127.0.0.2")
			out := e.Execute(context.Background(), in)
			if out.ExecutionStatus() != tt.status || out.ErrorInfo == nil || out.ErrorInfo.ExitCode != ExitBadOutput ||
				!strings.HasPrefix(out.ErrorInfo.Message, tt.message) {
				t.Fatalf("status %s, error_info %+v; want %s, exit code %d, %q", out.ExecutionStatus(), out.ErrorInfo, tt.status, ExitBadOutput, tt.message)
			}
			if rows, _ := out.Findings[FieldScanResults].([]ScanResult); len(rows) != tt.rows {
				t.Errorf("scan_results %v, want %d rows", rows, tt.rows)
			}
		})
	}
}

// TestNoHostMessageNamesAFewTargets: a run nmap reported no host for
// names the first targets and counts the others, as a scan's name does
// (maxNamed), then what nmap said: its whole target list (5,000 names a
// name server could not resolve) would push nmap's words past every bound
// the message meets (the platform's trace, the log line) and out of it.
func TestNoHostMessageNamesAFewTargets(t *testing.T) {
	report := readFixture(t, "no_host_up/nmap.xml") // a real report of no host
	e := newTestExecutor(func(_ context.Context, _ []string, stdin io.Reader, stdout, stderr io.Writer) error {
		in, err := io.ReadAll(stdin)
		if err != nil {
			return err
		}
		for _, name := range strings.Fields(string(in)) {
			fmt.Fprintf(stderr, "Failed to resolve %q.\n", name)
		}
		fmt.Fprintln(stderr, "WARNING: No targets were specified, so 0 hosts scanned.")
		_, err = stdout.Write(report)
		return err
	})
	var names []string
	for i := range 5000 {
		names = append(names, fmt.Sprintf("h%d.invalid", i+1))
	}
	cfg, _ := newInject(t, nil, names...)
	out := e.Execute(context.Background(), cfg)
	if out.ExecutionStatus() != framework.StatusFailed || out.ErrorInfo == nil {
		t.Fatalf("status %q, error %+v; want failed", out.ExecutionStatus(), out.ErrorInfo)
	}
	const want = "nmap reported no host for any target (h1.invalid, h2.invalid, h3.invalid, h4.invalid, h5.invalid and 4995 more); " +
		"nmap said: …"
	if msg := out.ErrorInfo.Message; !strings.HasPrefix(msg, want) ||
		!strings.HasSuffix(msg, "WARNING: No targets were specified, so 0 hosts scanned.") || len(msg) > 1024 {
		t.Errorf("message (%d bytes) = %.300q…, want %q then the end of nmap's standard error", len(msg), msg, want)
	}
	if len(out.Unreached) != len(names) {
		t.Errorf("%d targets named not reached, want %d", len(out.Unreached), len(names))
	}
}
