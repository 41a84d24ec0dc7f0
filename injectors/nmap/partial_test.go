package nmap

import (
	"context"
	"fmt"
	"io"
	"slices"
	"strings"
	"testing"

	"github.com/injectkit/injectkit/framework"
	"github.com/injectkit/injectkit/signatures"
)

// cutAtDeadline is a runner that writes a real nmap report cut short, then
// ends the run as a deadline would: the hosts it finished are every
// partial result of the run.
func cutAtDeadline(t *testing.T, report []byte, cancel context.CancelFunc) runFunc {
	return func(ctx context.Context, _ []string, _ io.Reader, stdout, _ io.Writer) error {
		if _, err := stdout.Write(report); err != nil {
			t.Error(err)
		}
		cancel()
		<-ctx.Done()
		return ctx.Err()
	}
}

// A timed-out scan of host name targets: the signatures of each target
// carry the partial results of the hosts matched to it (one per open port
// of its scan_results), however many, and no other target's. The report
// is a real capture of localhost, given by name, then by address, with
// more open ports than a run keeps of the results that name no target.
func TestTimeoutPartialResultsGoToHostNameTargets(t *testing.T) {
	report := readFixture(t, "hostname_truncated/nmap.xml")
	tests := []struct {
		name    string
		targets []string
	}{
		// ip6-localhost was never finished: it has no result of its own.
		{"host names", []string{"LocalHost", "ip6-localhost"}},
		// The host localhost is 127.0.0.1: both targets are its.
		{"a host name and its address", []string{"LocalHost", "127.0.0.1"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			cfg, _ := newInject(t, &Params{ScanType: ScanConnect, Ports: "18120-18131", Timing: 4}, tt.targets...)
			out := newTestExecutor(cutAtDeadline(t, report, cancel)).Execute(ctx, cfg)
			if out.ExecutionStatus() != framework.StatusTimeout {
				t.Fatalf("status %q, want timeout", out.ExecutionStatus())
			}
			rows := out.Findings[FieldScanResults].([]ScanResult)
			p := payload(t, cfg, out)
			for i, target := range tt.targets {
				got, _ := values(t, p.Targets[i], framework.Detection)["partial_results"].([]string)
				var own []ScanResult
				for _, r := range rows {
					if r.Target == signatures.CanonicalTarget(target) {
						own = append(own, r)
					}
				}
				if len(got) != len(own) {
					t.Errorf("target %s: %d partial results %q, want one per open port of its host (%d)", target, len(got), got, len(own))
				}
				for _, r := range own {
					port := fmt.Sprintf("%d/%s open", r.Port, r.Protocol)
					if n := countContaining(got, port); n != 1 {
						t.Errorf("target %s: %d partial results name %s, want 1 (%q)", target, n, port, got)
					}
				}
			}
		})
	}
}

func countContaining(lines []string, sub string) int {
	n := 0
	for _, l := range lines {
		if strings.Contains(l, sub) {
			n++
		}
	}
	return n
}

// Each partial line of a host names its target in the words a timed-out
// run attributes results by: the host name nmap was given, and the
// address; never a name nmap found (PTR).
func TestPartialLinesNameTheirTarget(t *testing.T) {
	open22 := []port{{Protocol: "tcp", ID: "22", State: portState{State: "open"}}}
	tests := []struct {
		name  string
		host  host
		names []string // targets every line must name
	}{
		{"by name", host{Addresses: []address{{"127.0.0.1", "ipv4"}}, Hostnames: []hostname{{"LocalHost", "user"}}, Ports: open22},
			[]string{"localhost", "127.0.0.1"}},
		{"by name, nothing open", host{Addresses: []address{{"::1", "ipv6"}}, Hostnames: []hostname{{"localhost", "user"}}},
			[]string{"localhost", "::1"}},
		{"by name, IPv6", host{Addresses: []address{{"::1", "ipv6"}}, Hostnames: []hostname{{"localhost", "user"}}, Ports: open22},
			[]string{"localhost", "::1"}},
		{"a PTR name is not the target", host{Addresses: []address{{"127.0.0.1", "ipv4"}}, Hostnames: []hostname{{"ptr.example", "PTR"}}, Ports: open22},
			[]string{"127.0.0.1"}},
		{"by address, IPv6", host{Addresses: []address{{"::1", "ipv6"}}, Ports: open22}, []string{"::1"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// The targets named, then others that must not be.
			targets := append(slices.Clone(tt.names), "ptr.example", "127.0.0.2", "other.example")
			names := signatures.NewTargetNames(len(targets), func(i int) signatures.Config {
				return signatures.ClassifyNetworkTarget(targets[i])
			})
			for _, line := range partialLines(tt.host) {
				named := make([]bool, len(targets))
				for ts := range names.Named(line) {
					for _, i := range ts {
						named[i] = true
					}
				}
				for i, target := range targets {
					if want := i < len(tt.names); named[i] != want {
						t.Errorf("line %q names %s: %v, want %v", line, target, named[i], want)
					}
				}
			}
		})
	}
}

// A port nmap named no service for is told by its number alone, the same
// in scan_results (service ""), services_discovered and the partial
// results, never as "unknown", which is a name nmap itself gives (here to
// port 18101, opened in a real capture). Each port's words are the same
// in all three places.
func TestNoServiceNamedReadsAsNoName(t *testing.T) {
	report := strings.Replace(string(readFixture(t, "progress/nmap.xml")),
		`portid="18101"><state state="closed" reason="conn-refused"`, `portid="18101"><state state="open" reason="syn-ack"`, 1)
	cfg, _ := newInject(t, &Params{ScanType: ScanConnect, Ports: "18100-18115", Timing: 4}, "127.0.0.1")
	out := newTestExecutor(func(_ context.Context, _ []string, _ io.Reader, stdout, _ io.Writer) error {
		_, err := io.WriteString(stdout, report)
		return err
	}).Execute(context.Background(), cfg)
	if out.ExecutionStatus() != framework.StatusSuccess {
		t.Fatalf("status %q, want success: %+v", out.ExecutionStatus(), out.ErrorInfo)
	}
	services, _ := out.TargetExtras[cfg.Targets[0]][framework.Detection][KeyServicesDiscovered].([]string)
	partials := cfg.PartialResults()
	want := map[int]string{18100: "", 18101: "unknown"} // what nmap's report names
	rows := out.Findings[FieldScanResults].([]ScanResult)
	if len(rows) != len(want) || len(services) != len(want) || len(partials) != len(want) {
		t.Fatalf("scan_results %+v, services_discovered %q, partial results %q: want one per open port (%d)", rows, services, partials, len(want))
	}
	for _, r := range rows {
		if r.Service != want[r.Port] {
			t.Errorf("port %d: service %q, want %q as nmap named it", r.Port, r.Service, want[r.Port])
		}
		label := fmt.Sprintf("%d/%s", r.Port, r.Protocol)
		if r.Service != "" {
			label += " " + r.Service
		}
		if !slices.Contains(services, label) {
			t.Errorf("services_discovered %q lacks %q", services, label)
		}
		if line := "127.0.0.1:" + strings.Replace(label, "/tcp", "/tcp open", 1); !slices.Contains(partials, line) {
			t.Errorf("partial results %q lack %q", partials, line)
		}
	}
}
