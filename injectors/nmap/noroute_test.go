package nmap

import (
	"errors"
	"net/netip"
	"syscall"
	"testing"
)

// TestNoRouteMark checks which hosts are taken for ones no packet went
// to: every port, listed or counted, filtered for net-unreach, and no
// route to the address in the kernel. A router's ICMP "network
// unreachable" reads the same in nmap's report while the kernel has a
// route: the probe left, the host stays reached.
func TestNoRouteMark(t *testing.T) {
	unreach := portState{State: "filtered", Reason: "net-unreach"}
	counted := []extraPorts{{State: "filtered", Count: 1000, Reasons: []extraReason{{Reason: "net-unreach", Count: 1000}}}}
	noRoute := func(netip.Addr) error { return syscall.ENETUNREACH }
	routed := func(netip.Addr) error { return nil }
	tests := []struct {
		name  string
		addr  string
		ports []port
		extra []extraPorts
		route func(netip.Addr) error
		want  bool
	}{
		{"listed ports, no route", "198.51.100.7", []port{{ID: "22", State: unreach}, {ID: "80", State: unreach}}, nil, noRoute, true},
		{"counted ports, no route", "198.51.100.7", nil, counted, noRoute, true},
		{"IPv6, no route", "2001:db8::7", []port{{ID: "22", State: unreach}}, nil, noRoute, true},
		{"a router's ICMP: the kernel has a route", "198.51.100.7", []port{{ID: "22", State: unreach}}, counted, routed, false},
		{"one port closed", "198.51.100.7", []port{{ID: "22", State: unreach}, {ID: "80", State: portState{State: "closed", Reason: "conn-refused"}}}, nil, noRoute, false},
		{"filtered for no response", "198.51.100.7", []port{{ID: "22", State: portState{State: "filtered", Reason: "no-response"}}}, nil, noRoute, false},
		{"counted for another reason", "198.51.100.7", nil, []extraPorts{{State: "filtered", Count: 2, Reasons: []extraReason{{Reason: "host-unreach", Count: 2}}}}, noRoute, false},
		{"counted without a reason", "198.51.100.7", nil, []extraPorts{{State: "filtered", Count: 2}}, noRoute, false},
		{"no port at all", "198.51.100.7", nil, nil, noRoute, false},
		{"another routing error", "198.51.100.7", []port{{ID: "22", State: unreach}}, nil, func(netip.Addr) error { return errors.New("invalid argument") }, false},
		{"a zone's address", "fe80::1%eth0", []port{{ID: "22", State: unreach}}, nil, noRoute, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := host{Addresses: []address{{Addr: tt.addr, Type: "ipv4"}}, Ports: tt.ports, Extra: tt.extra}
			c := &noRouteCheck{route: tt.route, seen: map[string]bool{}}
			c.mark(&h)
			if h.noRoute != tt.want {
				t.Errorf("noRoute = %v, want %v", h.noRoute, tt.want)
			}
		})
	}
}

// TestKernelRoute asks the kernel for loopback's route, which every
// machine has: no error, and no packet sent.
func TestKernelRoute(t *testing.T) {
	for _, a := range []string{"127.0.0.1", "::ffff:127.0.0.1"} {
		if err := kernelRoute(netip.MustParseAddr(a)); err != nil {
			t.Errorf("kernelRoute(%s) = %v, want nil", a, err)
		}
	}
}
