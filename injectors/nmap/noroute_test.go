package nmap

import (
	"errors"
	"net/netip"
	"syscall"
	"testing"
)

// TestNoRouteMark checks which hosts are taken for ones no packet went
// to: every port, listed or counted, filtered, and the kernel with no
// route, or no source address, to the address. A router's ICMP "network
// unreachable" reads as net-unreach in nmap's report while the kernel has
// a route: the probe left, the host stays reached, as does a host that
// answered nothing.
func TestNoRouteMark(t *testing.T) {
	unreach := portState{State: "filtered", Reason: "net-unreach"}
	silent := portState{State: "filtered", Reason: "no-response"}
	counted := []extraPorts{{State: "filtered", Count: 1000}}
	noRoute := func(netip.Addr) error { return syscall.ENETUNREACH }
	noSource := func(netip.Addr) error { return syscall.EADDRNOTAVAIL }
	routed := func(netip.Addr) error { return nil }
	tests := []struct {
		name  string
		addr  string
		ports []port
		extra []extraPorts
		route func(netip.Addr) error
		want  string
	}{
		{"listed ports, no route", "198.51.100.7", []port{{ID: "22", State: unreach}, {ID: "80", State: unreach}}, nil, noRoute, whyNoRoute},
		{"counted ports, no route", "198.51.100.7", nil, counted, noRoute, whyNoRoute},
		{"IPv6, no route", "2001:db8::7", []port{{ID: "22", State: unreach}}, nil, noRoute, whyNoRoute},
		// IPv6 disabled: nmap says "Strange read error from ::1 (99 -
		// 'Cannot assign requested address')" and reports no-response.
		{"IPv6 disabled, no source address", "::1", []port{{ID: "22", State: silent}}, nil, noSource, whyNoSource},
		{"a router's ICMP: the kernel has a route", "198.51.100.7", []port{{ID: "22", State: unreach}}, counted, routed, ""},
		{"no answer, with a route", "198.51.100.7", []port{{ID: "22", State: silent}}, nil, routed, ""},
		{"one port closed", "198.51.100.7", []port{{ID: "22", State: unreach}, {ID: "80", State: portState{State: "closed", Reason: "conn-refused"}}}, nil, noRoute, ""},
		{"ports counted closed", "198.51.100.7", []port{{ID: "22", State: unreach}}, []extraPorts{{State: "closed", Count: 999}}, noRoute, ""},
		{"no port at all", "198.51.100.7", nil, nil, noRoute, ""},
		// ip route add unreachable|prohibit|blackhole: the machine's own
		// routes refuse the address, nmap reports host-unreach,
		// admin-prohibited, or no-response beside a "Strange read error".
		{"an unreachable route", "10.10.0.7", []port{{ID: "22", State: portState{State: "filtered", Reason: "host-unreach"}}}, nil,
			func(netip.Addr) error { return syscall.EHOSTUNREACH }, whyRefusedRoute + " (no route to host)"},
		{"a prohibit route", "10.11.0.7", []port{{ID: "22", State: portState{State: "filtered", Reason: "admin-prohibited"}}}, nil,
			func(netip.Addr) error { return syscall.EACCES }, whyRefusedRoute + " (permission denied)"},
		{"a blackhole route", "10.12.0.7", []port{{ID: "22", State: silent}}, nil,
			func(netip.Addr) error { return syscall.EINVAL }, whyRefusedRoute + " (invalid argument)"},
		{"an error no kernel gave", "198.51.100.7", []port{{ID: "22", State: unreach}}, nil, func(netip.Addr) error { return errors.New("invalid argument") }, ""},
		{"a zone's address", "fe80::1%eth0", []port{{ID: "22", State: unreach}}, nil, noRoute, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := host{Addresses: []address{{Addr: tt.addr, Type: "ipv4"}}, Ports: tt.ports, Extra: tt.extra}
			c := &noRouteCheck{route: tt.route, seen: map[string]string{}}
			c.mark(&h)
			if h.unsent != tt.want {
				t.Errorf("unsent = %q, want %q", h.unsent, tt.want)
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
