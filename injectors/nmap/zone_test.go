package nmap

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"testing"

	"github.com/injectkit/injectkit/framework"
	"github.com/injectkit/injectkit/signatures"
)

// zonedNmap stands in for nmap 7.93 over zoned IPv6 targets: it resolves
// a zone given as an interface index it knows (open: the port open on
// that interface) and reports the host by its address without the zone,
// as nmap's XML does (<address addr="::1" addrtype="ipv6"/> for ::1%1);
// any other target it fails to resolve (nmap: Failed to resolve "::1%lo").
func zonedNmap(open map[string]int) runFunc {
	return func(_ context.Context, _ []string, stdin io.Reader, stdout, stderr io.Writer) error {
		in, err := io.ReadAll(stdin)
		if err != nil {
			return err
		}
		fmt.Fprint(stdout, `<?xml version="1.0" encoding="UTF-8"?><nmaprun scanner="nmap" version="7.93">`)
		for _, line := range strings.Fields(string(in)) {
			addr, zone, _ := strings.Cut(line, "%")
			p, ok := open[zone]
			if !ok {
				fmt.Fprintf(stderr, "Failed to resolve %q.\n", line)
				continue
			}
			family := "ipv4"
			if strings.Contains(addr, ":") {
				family = "ipv6"
			}
			fmt.Fprintf(stdout, `<host><status state="up" reason="user-set"/><address addr="%s" addrtype="%s"/><hostnames></hostnames>`+
				`<ports><port protocol="tcp" portid="%d"><state state="open"/><service name="svc"/></port></ports></host>`, addr, family, p)
		}
		fmt.Fprint(stdout, `<runstats><finished exit="success"/></runstats></nmaprun>`)
		return nil
	}
}

// A zoned target is matched to what nmap found on its own interface: a
// target nmap could not resolve is unscanned (no ports, no success of its
// own), one that shares its address with another target on another
// interface gets its own ports only, and an interface name nmap 7.93
// cannot resolve is given to it as the interface's index.
func TestZonedTargetsMatchTheirOwnInterface(t *testing.T) {
	indexes := map[string]int{"lo": 1, "eth0": 2, "eth1": 3}
	known := func(name string) (int, error) {
		if n, ok := indexes[name]; ok {
			return n, nil
		}
		return 0, errors.New("no such network interface")
	}
	unknown := func(string) (int, error) { return 0, errors.New("no such network interface") }
	tests := []struct {
		name      string
		ifIndex   func(string) (int, error)
		open      map[string]int // port open, by the zone nmap resolves
		targets   []string       // asset a-<i> each
		want      map[int][]int  // ports_discovered by target; unlisted: unscanned
		wantStdin []string       // one scan a zone
	}{
		{"name nmap cannot resolve", unknown, map[string]int{"1": 22}, []string{"::1%lo", "::1%1"},
			map[int][]int{1: {22}}, []string{"::1%lo\n", "::1%1\n"}},
		{"name given as its index", known, map[string]int{"1": 22}, []string{"::1%lo", "::1%1"},
			map[int][]int{0: {22}, 1: {22}}, []string{"::1%1\n"}},
		{"one address on two interfaces", known, map[string]int{"2": 22, "3": 80}, []string{"fe80::1%eth0", "fe80::1%eth1"},
			map[int][]int{0: {22}, 1: {80}}, []string{"fe80::1%2\n", "fe80::1%3\n"}},
		{"zoned and unzoned", known, map[string]int{"": 443, "3": 80}, []string{"fe80::1", "FE80::1%eth1", "127.0.0.1"},
			map[int][]int{0: {443}, 1: {80}, 2: {443}}, []string{"127.0.0.1\n", "fe80::1\n", "fe80::1%3\n"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := &recorder{next: zonedNmap(tt.open)}
			e := newTestExecutor(rec.run)
			e.ifIndex = tt.ifIndex
			in, _ := newInject(t, nil)
			for i, v := range tt.targets {
				in.Targets = append(in.Targets, framework.Target{Config: signatures.ClassifyNetworkTarget(v),
					Attribution: signatures.Attribution{Asset: fmt.Sprintf("a-%d", i)}})
			}
			out := e.Execute(context.Background(), in)
			var stdin []string
			for _, c := range rec.Calls() {
				stdin = append(stdin, c.Stdin)
			}
			if !slices.Equal(stdin, tt.wantStdin) {
				t.Errorf("nmap given %q, want %q", stdin, tt.wantStdin)
			}
			var unscanned []string
			for i, v := range tt.targets {
				ports, scanned := tt.want[i]
				x, got := out.TargetExtras[in.Targets[i]][framework.Detection]
				if got != scanned {
					t.Errorf("%s: extras %v, want scanned=%v", v, x, scanned)
				} else if scanned && !slices.Equal(x[KeyPortsDiscovered].([]int), ports) {
					t.Errorf("%s: ports_discovered %v, want %v", v, x[KeyPortsDiscovered], ports)
				}
				if !scanned {
					unscanned = append(unscanned, signatures.CanonicalTarget(v))
				}
				var rows []int
				for _, r := range out.Findings[FieldScanResults].([]ScanResult) {
					if r.AssetID == fmt.Sprintf("a-%d", i) {
						rows = append(rows, r.Port)
						if r.Target != signatures.CanonicalTarget(v) {
							t.Errorf("%s: row names target %q", v, r.Target)
						}
					}
				}
				if !slices.Equal(rows, ports) {
					t.Errorf("%s: scan_results ports %v, want %v", v, rows, ports)
				}
			}
			got, _ := out.Findings[FieldUnscannedTargets].([]string)
			if !slices.Equal(got, unscanned) {
				t.Errorf("unscanned_targets %q, want %q", got, unscanned)
			}
			if wantStatus := framework.StatusSuccess; len(unscanned) > 0 && out.Status != framework.StatusPartial ||
				len(unscanned) == 0 && out.Status != wantStatus {
				t.Errorf("status %s with unscanned %q", out.Status, unscanned)
			}
		})
	}
}
