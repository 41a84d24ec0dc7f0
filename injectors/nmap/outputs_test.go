package nmap

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/injectkit/injectkit/framework"
	"github.com/injectkit/injectkit/internal/contracttest"
	"github.com/injectkit/injectkit/internal/testkit"
	"github.com/injectkit/injectkit/signatures"
)

// rowsOf returns a findings list of objects.
func rowsOf(t *testing.T, doc map[string]any, field string) []map[string]any {
	t.Helper()
	v, ok := doc[field]
	if !ok {
		return nil
	}
	list, ok := v.([]any)
	if !ok {
		t.Fatalf("%s = %T, want a list", field, v)
	}
	rows := make([]map[string]any, len(list))
	for i, x := range list {
		if rows[i], ok = x.(map[string]any); !ok {
			t.Fatalf("%s[%d] = %T, want an object", field, i, x)
		}
	}
	return rows
}

// TestScanResultsRows: in every captured case, each scan_results row is a
// portscan row of a target (asset_id, host and service strings, an integer
// port, no unmatched flag), and the ports of hosts that match no target are
// in unmatched_results only.
func TestScanResultsRows(t *testing.T) {
	testkit.Cases(t, goldenCases, func(t *testing.T, dir string) {
		_, _, out := executeCase(t, dir)
		doc := contracttest.RoundTrip(t, out.Findings)
		for i, r := range rowsOf(t, doc, FieldScanResults) {
			for _, k := range []string{"host", "service", "target"} {
				if _, ok := r[k].(string); !ok {
					t.Errorf("scan_results[%d].%s = %#v, want a string", i, k, r[k])
				}
			}
			if a, present := r["asset_id"]; present && (a == "" || a == nil) {
				t.Errorf("scan_results[%d].asset_id = %#v, want an id or no asset_id", i, a)
			}
			if p, ok := r["port"].(float64); !ok || p != float64(int(p)) || p < 1 {
				t.Errorf("scan_results[%d].port = %#v, want an integer", i, r["port"])
			}
			if _, ok := r["asset"]; ok {
				t.Errorf("scan_results[%d] still carries asset", i)
			}
			if _, ok := r["unmatched"]; ok {
				t.Errorf("scan_results[%d] is an unmatched host's row", i)
			}
		}
		hosts := map[string]bool{}
		for _, h := range stringsOf(doc[FieldUnmatchedHosts]) {
			hosts[h] = true
		}
		for i, r := range rowsOf(t, doc, FieldUnmatchedResults) {
			if _, asset := r["asset_id"]; r["unmatched"] != true || asset || !hosts[r["host"].(string)] {
				t.Errorf("unmatched_results[%d] = %v, want an unmatched host's row", i, r)
			}
		}
	})
}

func stringsOf(v any) []string {
	list, _ := v.([]any)
	out := make([]string, 0, len(list))
	for _, x := range list {
		if s, ok := x.(string); ok {
			out = append(out, s)
		}
	}
	return out
}

// TestBuildReportAttribution: rows of matched hosts carry their target's
// asset id (empty for a target without one), rows of other hosts are kept
// apart.
func TestBuildReportAttribution(t *testing.T) {
	open := func(n int) port {
		p := port{Protocol: "tcp", ID: strconv.Itoa(n)}
		p.State.State = "open"
		p.Service.Name = "svc"
		return p
	}
	hostAt := func(addr string, ports ...port) host {
		return host{Addresses: []address{{Addr: addr, Type: "ipv4"}}, Ports: ports}
	}
	tests := []struct {
		name        string
		assets      []string // one target per asset, 127.0.0.1, 127.0.0.2, …
		hosts       []host
		wantResults []string // asset_id@host:port
		wantStrays  []string
	}{
		{"matched", []string{"a1"}, []host{hostAt("127.0.0.1", open(22))}, []string{"a1@127.0.0.1:22"}, nil},
		{"target without asset", []string{""}, []host{hostAt("127.0.0.1", open(22))}, []string{"@127.0.0.1:22"}, nil},
		{"unmatched host", []string{"a1"}, []host{hostAt("127.0.0.1", open(22)), hostAt("127.0.0.9", open(80))},
			[]string{"a1@127.0.0.1:22"}, []string{"@127.0.0.9:80"}},
		{"only unmatched", []string{"a1"}, []host{hostAt("127.0.0.9", open(80), open(443))},
			nil, []string{"@127.0.0.9:80", "@127.0.0.9:443"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var targets []scanTarget
			for i, a := range tt.assets {
				addr := netip.AddrFrom4([4]byte{127, 0, 0, byte(i + 1)})
				targets = append(targets, scanTarget{index: i, value: addr.String(), addr: addr,
					meta: signatures.Attribution{Asset: a}})
			}
			r := buildReport(targets, tt.hosts)
			if got := rowKeys(r.results); !reflect.DeepEqual(got, tt.wantResults) {
				t.Errorf("results = %q, want %q", got, tt.wantResults)
			}
			if got := rowKeys(r.strays); !reflect.DeepEqual(got, tt.wantStrays) {
				t.Errorf("unmatched rows = %q, want %q", got, tt.wantStrays)
			}
			f := r.findings("", true)
			if _, ok := f[FieldUnmatchedResults]; ok != (len(tt.wantStrays) > 0) {
				t.Errorf("unmatched_results present = %v, want %v", ok, len(tt.wantStrays) > 0)
			}
		})
	}
}

// TestBuildReportOneRowPerTargetAndPort: nmap reports a host once per
// input naming it (127.0.0.1, and localhost resolved to it); the address
// target matches both reports, and still gets one row per port.
func TestBuildReportOneRowPerTargetAndPort(t *testing.T) {
	open22 := port{Protocol: "tcp", ID: "22"}
	open22.State.State = "open"
	lo := []address{{Addr: "127.0.0.1", Type: "ipv4"}}
	hosts := []host{
		{Addresses: lo, Ports: []port{open22}},
		{Addresses: lo, Hostnames: []hostname{{Name: "localhost", Type: "user"}}, Ports: []port{open22}},
	}
	targets := []scanTarget{
		{index: 0, value: "127.0.0.1", addr: netip.MustParseAddr("127.0.0.1"), meta: signatures.Attribution{Asset: "asset-1"}},
		{index: 1, value: "localhost", name: "localhost", meta: signatures.Attribution{Asset: "asset-2"}},
	}
	r := buildReport(targets, hosts)
	if got, want := rowKeys(r.results), []string{"asset-1@127.0.0.1:22", "asset-2@127.0.0.1:22"}; !reflect.DeepEqual(got, want) {
		t.Errorf("results = %q, want %q", got, want)
	}
	if f := r.perTarget[0]; f == nil || len(f.found) != 1 {
		t.Errorf("target 0 finds %+v, want port 22 once", f)
	}
}

// TestBuildReportMatchesHostsToTheirTargets: each host goes to every
// target of its own scan that names it, by address (any notation nmap
// writes, a MAC address aside) or by the name nmap was given (any case, a
// trailing dot), in the targets' order, and to no other; an inject of
// 65,536 targets (--max-targets' default, a /16) gets each host on its
// own target, as one of 3.
func TestBuildReportMatchesHostsToTheirTargets(t *testing.T) {
	v4 := func(i, scan int, a string) scanTarget {
		return scanTarget{index: i, value: a, addr: netip.MustParseAddr(a), scan: scan}
	}
	name := func(i int, n string) scanTarget { return scanTarget{index: i, value: n, name: n} }
	hostOf := func(scan int, addr, user string) host {
		h := host{scan: scan, Addresses: []address{{Addr: "00:11:22:33:44:55", Type: "mac"}, {Addr: addr, Type: "ipv4"}}}
		if strings.Contains(addr, ":") {
			h.Addresses[1].Type = "ipv6"
		}
		if user != "" {
			h.Hostnames = []hostname{{Name: user, Type: "user"}}
		}
		return h
	}
	tests := []struct {
		name    string
		targets []scanTarget
		host    host
		want    []int // the indexes of the targets matched, in order
	}{
		{"address", []scanTarget{v4(0, 0, "127.0.0.2"), v4(1, 0, "127.0.0.1")}, hostOf(0, "127.0.0.1", ""), []int{1}},
		{"IPv4-mapped", []scanTarget{v4(0, 0, "127.0.0.1")}, hostOf(0, "::ffff:127.0.0.1", ""), []int{0}},
		{"another scan's", []scanTarget{v4(0, 1, "127.0.0.1")}, hostOf(0, "127.0.0.1", ""), nil},
		{"name in another case", []scanTarget{name(0, "localhost")}, hostOf(0, "127.0.0.1", "LocalHost."), []int{0}},
		{"name and address", []scanTarget{name(0, "localhost"), v4(1, 0, "127.0.0.3"), v4(2, 0, "127.0.0.1")},
			hostOf(0, "127.0.0.1", "localhost"), []int{0, 2}},
		{"hostname not the user's", []scanTarget{name(0, "localhost")},
			host{Addresses: []address{{Addr: "127.0.0.1", Type: "ipv4"}}, Hostnames: []hostname{{Name: "localhost", Type: "PTR"}}}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []int
			for _, m := range indexTargets(tt.targets).matching(tt.host) {
				got = append(got, m.index)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("matched %v, want %v", got, tt.want)
			}
		})
	}

	t.Run("a /16", func(t *testing.T) {
		const n = 1 << 16
		targets, hosts := make([]scanTarget, n), make([]host, n)
		for i := range n {
			a := netip.AddrFrom4([4]byte{127, 0, byte(i >> 8), byte(i)})
			targets[i] = scanTarget{index: i, value: a.String(), addr: a}
			hosts[i] = host{Addresses: []address{{Addr: a.String(), Type: "ipv4"}}}
			if i%3 == 0 {
				hosts[i].Ports = []port{{Protocol: "tcp", ID: "22", State: portState{State: "open"}}}
			}
		}
		r := buildReport(targets, hosts)
		if len(r.scanned) != n || len(r.unscanned) != 0 || len(r.unmatched) != 0 {
			t.Fatalf("scanned %d, unscanned %d, unmatched %d; want %d, 0, 0", len(r.scanned), len(r.unscanned), len(r.unmatched), n)
		}
		if len(r.results) != (n+2)/3 {
			t.Fatalf("%d rows, want %d", len(r.results), (n+2)/3)
		}
		for _, row := range r.results {
			if row.Target != row.Host {
				t.Fatalf("row of host %s went to target %s", row.Host, row.Target)
			}
		}
	})
}

func rowKeys(rows []ScanResult) []string {
	var out []string
	for _, r := range rows {
		out = append(out, r.AssetID+"@"+r.Host+":"+strconv.Itoa(r.Port))
	}
	return out
}

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
		// Zones no interface has, which nmap cannot resolve, share one
		// scan (an inject of many such zones starts nmap once for them).
		{"names no interface has, one scan", known, map[string]int{"1": 22}, []string{"::1%za", "::1%lo", "fe80::1%zb", "::1%za9"},
			map[int][]int{1: {22}}, []string{"::1%za\nfe80::1%zb\n::1%za9\n", "::1%1\n"}},
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
