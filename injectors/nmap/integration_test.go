package nmap

import (
	"context"
	"fmt"
	"io"
	"net"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/injectkit/injectkit/framework"
	"github.com/injectkit/injectkit/internal/testkit"
	"github.com/injectkit/injectkit/runtime"
	"github.com/injectkit/injectkit/signatures"
)

// These tests run the real nmap against listeners they open on loopback, and
// nothing else.

// ftpBanner is a greeting nmap's version detection recognises from its
// first (NULL) probe, as it does testkit.SSHBanner.
const ftpBanner = "220 (vsFTPd 3.0.5)\r\n"

// payload compiles the signatures of cfg and out the way the runtime does,
// with a pinned source address.
func payload(t *testing.T, cfg *framework.Inject, out framework.ToolOutput) signatures.Payload {
	t.Helper()
	m := signatures.NewManager(signatures.WithResolver(signatures.Resolver{
		Getenv: func(string) string { return "127.0.0.1" },
	}))
	p, err := runtime.PayloadOf(m, cfg, out)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// values returns a value group of a payload target as a map.
func values(t *testing.T, pt signatures.PayloadTarget, et framework.ExpectationType) map[string]any {
	t.Helper()
	for _, g := range pt.SignatureValues {
		if g.ExpectationType == et {
			m := map[string]any{}
			for _, v := range g.Values {
				m[v.SignatureType] = v.SignatureValue
			}
			return m
		}
	}
	t.Fatalf("no %s group in %+v", et, pt)
	return nil
}

// scanned runs cfg's scan with real nmap, within 5 minutes, and returns
// its output, failing t unless it succeeded.
func scanned(t *testing.T, cfg *framework.Inject) framework.ToolOutput {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	out := New().Execute(ctx, cfg)
	if out.ExecutionStatus() != framework.StatusSuccess {
		t.Fatalf("status %q, error %+v", out.ExecutionStatus(), out.ErrorInfo)
	}
	return out
}

func TestIntegrationIPv4(t *testing.T) {
	testkit.Integration(t, "nmap")
	ssh := testkit.Listen(t, "tcp4", "127.0.0.1:0", testkit.SSHBanner).Port
	ftp := testkit.Listen(t, "tcp4", "127.0.0.1:0", ftpBanner).Port
	closed := testkit.ClosedPort(t, "tcp4", "127.0.0.1:0")
	ports := fmt.Sprintf("%d,%d,%d", ssh, ftp, closed)

	cfg, logs := newInject(t, &Params{ScanType: ScanConnect, Ports: ports, Timing: 4, ServiceDetection: true}, "127.0.0.1")
	out := scanned(t, cfg)
	want := []int{min(ssh, ftp), max(ssh, ftp)}
	if got := out.Findings[FieldPorts].([]int); !slices.Equal(got, want) {
		t.Errorf("ports = %v, want %v (closed %d)", got, want, closed)
	}
	var sshRow, ftpRow *ScanResult
	for _, r := range out.Findings[FieldScanResults].([]ScanResult) {
		switch r.Port {
		case ssh:
			sshRow = &r
		case ftp:
			ftpRow = &r
		}
		if r.Host != "127.0.0.1" || r.AssetID != "asset-a" || r.Protocol != "tcp" {
			t.Errorf("row %+v", r)
		}
	}
	if sshRow == nil || sshRow.Service != "ssh" || sshRow.Product != "OpenSSH" {
		t.Errorf("ssh listener row = %+v, want service ssh, product OpenSSH", sshRow)
	}
	if ftpRow == nil || ftpRow.Service != "ftp" || ftpRow.Product != "vsftpd" || ftpRow.Version != "3.0.5" {
		t.Errorf("ftp listener row = %+v, want service ftp, product vsftpd 3.0.5", ftpRow)
	}
	if !strings.Contains(out.Findings[FieldActionOutput].(string), "<nmaprun") {
		t.Error("action_output does not hold nmap's XML")
	}
	if logs.FilterMessage("nmap scan started").Len() != 1 {
		t.Error("scan start not logged")
	}

	p := payload(t, cfg, out)
	if len(p.Targets) != 1 || p.Targets[0].SignatureTarget.Asset != "asset-a" {
		t.Fatalf("payload targets = %+v", p.Targets)
	}
	for _, et := range []framework.ExpectationType{framework.Detection, framework.Prevention} {
		v := values(t, p.Targets[0], et)
		if v["target_ipv4"] != "127.0.0.1" || v["source_ipv4"] != "127.0.0.1" || fmt.Sprint(v["execution_status"]) != "success" {
			t.Errorf("%s: signature values %v", et, v)
		}
		if got := v[KeyPortsDiscovered].([]int); !slices.Equal(got, want) {
			t.Errorf("%s: ports_discovered = %v, want %v", et, got, want)
		}
		if got := v[KeyServicesDiscovered].([]string); !slices.Contains(got, strconv.Itoa(ssh)+"/tcp ssh") {
			t.Errorf("%s: services_discovered = %v", et, got)
		}
		if v["start_time"] == nil || v["end_time"] == nil {
			t.Errorf("%s: no start or end time in %v", et, v)
		}
	}
}

func TestIntegrationIPv6(t *testing.T) {
	testkit.Integration(t, "nmap")
	testkit.NeedIPv6(t)
	open6 := testkit.Listen(t, "tcp6", "[::1]:0", "").Port
	closed := testkit.ClosedPort(t, "tcp6", "[::1]:0")
	open4 := testkit.Listen(t, "tcp4", "127.0.0.1:0", "").Port

	cfg, _ := newInject(t, &Params{ScanType: ScanConnect, Ports: fmt.Sprintf("%d,%d,%d", open6, closed, open4), Timing: 4},
		"::1", "127.0.0.1")
	out := scanned(t, cfg)
	// Each target carries what was found on its own host only.
	if got := out.TargetExtras[cfg.Targets[0]][framework.Detection][KeyPortsDiscovered].([]int); !slices.Equal(got, []int{open6}) {
		t.Errorf("::1 ports_discovered = %v, want [%d]", got, open6)
	}
	if got := out.TargetExtras[cfg.Targets[1]][framework.Detection][KeyPortsDiscovered].([]int); !slices.Equal(got, []int{open4}) {
		t.Errorf("127.0.0.1 ports_discovered = %v, want [%d]", got, open4)
	}
	v := values(t, payload(t, cfg, out).Targets[0], framework.Prevention)
	if v["target_ipv6"] != "::1" {
		t.Errorf("signature values %v", v)
	}
}

// TestIntegrationDeadlineKeepsFinishedHosts gives a mixed inject a
// deadline that passes in the middle of its scans: the IPv4 scan, run
// first, of a listener that greets at once has finished, and the IPv6 one
// has just reached a listener that never speaks (its service detection
// would wait for it for a minute or more). The deadline passes when that
// listener accepts the IPv6 scan's first connection, not at a time: on a
// machine however loaded, the IPv4 host is then done and the IPv6 one is
// not. The finished host must be in the partial results, the findings and
// the signatures; the unfinished one in none of them: nmap was killed at
// the deadline, not waited for.
func TestIntegrationDeadlineKeepsFinishedHosts(t *testing.T) {
	testkit.Integration(t, "nmap")
	testkit.NeedIPv6(t)
	ssh := testkit.Listen(t, "tcp4", "127.0.0.1:0", testkit.SSHBanner).Port
	silent := testkit.Listen(t, "tcp6", "[::1]:0", "")
	params := &Params{ScanType: ScanConnect, Ports: fmt.Sprintf("%d,%d", ssh, silent.Port), Timing: 4, ServiceDetection: true}

	cfg, _ := newInject(t, params, "127.0.0.1", "::1")
	out := New().Execute(deadlineOn(t, silent.Accepted()), cfg)
	if out.ExecutionStatus() != framework.StatusTimeout {
		t.Fatalf("status %q (error %+v), want timeout", out.ExecutionStatus(), out.ErrorInfo)
	}
	want := fmt.Sprintf("127.0.0.1:%d/tcp open ssh", ssh)
	partial := cfg.PartialResults()
	if !slices.Contains(partial, want) {
		t.Fatalf("partial results = %q, want %q", partial, want)
	}
	for _, r := range partial {
		if strings.Contains(r, "::1") {
			t.Errorf("partial result %q of the IPv6 scan, which the deadline cut short", r)
		}
	}
	if got := out.TargetExtras[cfg.Targets[0]][framework.Detection][KeyPortsDiscovered].([]int); !slices.Equal(got, []int{ssh}) {
		t.Errorf("127.0.0.1 ports_discovered = %v", got)
	}
	if got, ok := out.TargetExtras[cfg.Targets[1]][framework.Detection][KeyPortsDiscovered]; ok {
		t.Errorf("::1 ports_discovered = %v, want none: its scan was cut short", got)
	}
	p := payload(t, cfg, out)
	v := values(t, p.Targets[0], framework.Detection)
	if fmt.Sprint(v["execution_status"]) != "timeout" {
		t.Errorf("execution_status = %v, want timeout", v["execution_status"])
	}
	if got, _ := v["partial_results"].([]string); !slices.Contains(got, want) {
		t.Errorf("signature partial_results = %v, want %q", v["partial_results"], want)
	}
}

// nmap 7.93 resolves a zone given as an interface index (::1%1) but not as
// a name (::1%lo), and writes the host without its zone: the loopback's
// name is given to nmap as its index, both targets get the listener's
// port, and the zones naming no interface are unscanned, with no port,
// nmap started once for them both (two scans in all: the loopback's,
// theirs).
func TestIntegrationZonedIPv6(t *testing.T) {
	testkit.Integration(t, "nmap")
	lo := loopbackInterface(t)
	ssh := testkit.Listen(t, "tcp6", "[::1]:0", testkit.SSHBanner).Port
	cfg, _ := newInject(t, &Params{ScanType: ScanConnect, Ports: strconv.Itoa(ssh), Timing: 4},
		"::1%"+lo.Name, "::1%"+strconv.Itoa(lo.Index), "::1%nosuchif0", "::1%nosuchif1")
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	e := New()
	var runs atomic.Int32
	e.run = func(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
		runs.Add(1)
		return runNmap(ctx, args, stdin, stdout, stderr)
	}
	out := e.Execute(ctx, cfg)
	for i := range 2 {
		x, ok := out.TargetExtras[cfg.Targets[i]][framework.Detection]
		if !ok || !slices.Equal(x[KeyPortsDiscovered].([]int), []int{ssh}) {
			t.Errorf("target %d: extras %v, want port %d", i, x, ssh)
		}
	}
	for i := 2; i < 4; i++ {
		if x, ok := out.TargetExtras[cfg.Targets[i]]; ok {
			t.Errorf("%s: extras %v, want none (unscanned)", cfg.Targets[i], x)
		}
		if why := out.Unreached[cfg.Targets[i]]; why != "not scanned: nmap could not resolve it" {
			t.Errorf("%s: not reached %q, want nmap could not resolve it", cfg.Targets[i], why)
		}
	}
	if got, _ := out.Findings[FieldUnscannedTargets].([]string); !slices.Equal(got, []string{"::1%nosuchif0", "::1%nosuchif1"}) {
		t.Errorf("unscanned_targets %v, want ::1%%nosuchif0, ::1%%nosuchif1", got)
	}
	if out.Status != framework.StatusPartial {
		t.Errorf("status %s, want partial (two targets unscanned)", out.Status)
	}
	if n := runs.Load(); n != 2 {
		t.Errorf("nmap started %d times, want 2 (the loopback's zone, the zones no interface has)", n)
	}
}

// loopbackInterface returns the loopback interface, or skips the test.
func loopbackInterface(t *testing.T) net.Interface {
	t.Helper()
	ifs, err := net.Interfaces()
	if err != nil {
		t.Skip(err)
	}
	for _, ifc := range ifs {
		if ifc.Flags&net.FlagLoopback != 0 && ifc.Flags&net.FlagUp != 0 {
			return ifc
		}
	}
	t.Skip("no loopback interface up")
	return net.Interface{}
}
