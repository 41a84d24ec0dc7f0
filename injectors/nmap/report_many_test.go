package nmap

import (
	"fmt"
	"net/netip"
	"reflect"
	"runtime"
	"testing"

	"github.com/injectkit/injectkit/framework"
	"github.com/injectkit/injectkit/signatures"
)

// TestTargetFindsManyPorts: a target whose hosts have more open ports than
// targetFinds searches without an index (manyFinds), reported twice (two
// hosts naming it) and out of order, gets one row a port and each port and
// service once, ascending, past the index as before it.
func TestTargetFindsManyPorts(t *testing.T) {
	for _, n := range []int{1, manyFinds, manyFinds + 1, 3 * manyFinds} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			var ports []port
			for i := n; i >= 1; i-- { // descending: the order nmap's is not relied on
				p := port{Protocol: "tcp", ID: fmt.Sprint(1000 + i)}
				p.State.State = "open"
				p.Service.Name = "svc"
				ports = append(ports, p)
			}
			udp := port{Protocol: "udp", ID: "1001"}
			udp.State.State = "open"
			lo := []address{{Addr: "127.0.0.1", Type: "ipv4"}}
			hosts := []host{{Addresses: lo, Ports: ports}, {Addresses: lo, Ports: append([]port{udp}, ports...)}}
			target := scanTarget{index: 0, value: "127.0.0.1", addr: netip.MustParseAddr("127.0.0.1")}
			r := buildReport([]scanTarget{target}, hosts)
			if len(r.results) != n+1 {
				t.Errorf("%d rows, want %d (one a port and protocol)", len(r.results), n+1)
			}
			var wantPorts []int
			var wantServices []string
			for i := 1; i <= n; i++ {
				wantPorts = append(wantPorts, 1000+i)
				wantServices = append(wantServices, fmt.Sprintf("%d/tcp svc", 1000+i))
				if i == 1 {
					wantServices = append(wantServices, "1001/udp")
				}
			}
			te := r.targetExtras([]framework.Target{{}})[framework.Target{}]
			for _, et := range []framework.ExpectationType{framework.Detection, framework.Prevention} {
				if got := te[et][KeyPortsDiscovered]; !reflect.DeepEqual(got, wantPorts) {
					t.Errorf("%s ports = %v, want %v", et, got, wantPorts)
				}
				if got := te[et][KeyServicesDiscovered]; !reflect.DeepEqual(got, wantServices) {
					t.Errorf("%s services = %q, want %q", et, got, wantServices)
				}
			}
		})
	}
}

// BenchmarkReportManyTargets: the memory buildReport and the per-target
// outputs hold for a /16 of hosts, each up with one open port (the heap
// they leave live, in B/target).
func BenchmarkReportManyTargets(b *testing.B) {
	const n = 1 << 16
	targets := make([]scanTarget, n)
	in := make([]framework.Target, n)
	hosts := make([]host, n)
	open := port{Protocol: "tcp", ID: "80"}
	open.State.State = "open"
	open.Service.Name = "http"
	for i := range targets {
		a := netip.AddrFrom4([4]byte{127, 0, byte(i >> 8), byte(i)})
		targets[i] = scanTarget{index: i, value: a.String(), addr: a}
		in[i] = framework.Target{Config: signatures.NetworkConfig{TargetIPv4: a.String()}}
		hosts[i] = host{Status: hostStatus{State: "up"}, Addresses: []address{{Addr: a.String(), Type: "ipv4"}}, Ports: []port{open}}
	}
	b.ReportAllocs()
	var live uint64
	for b.Loop() {
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		r := buildReport(targets, hosts)
		x := r.targetExtras(in)
		runtime.GC()
		runtime.ReadMemStats(&after)
		live = after.HeapAlloc - before.HeapAlloc
		runtime.KeepAlive(r)
		runtime.KeepAlive(x)
	}
	b.ReportMetric(float64(live)/n, "live-B/target")
}
