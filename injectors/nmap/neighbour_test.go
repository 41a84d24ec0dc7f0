package nmap

import (
	"net/netip"
	"strings"
	"testing"
)

// arpTable is /proc/net/arp as Linux wrote it in the down_local capture's
// namespace, with an answered neighbour and a second device added.
const arpTable = `IP address       HW type     Flags       HW address            Mask     Device
10.77.0.9        0x1         0x0         00:00:00:00:00:00     *        v0
10.77.0.2        0x1         0x2         6a:1f:0c:33:9e:01     *        v0
10.77.0.5        0x1         0x0         00:00:00:00:00:00     *        v0
10.77.0.5        0x1         0x2         6a:1f:0c:33:9e:05     *        v2
`

func TestUnansweredIn(t *testing.T) {
	tests := []struct {
		name, table, addr string
		want              bool
	}{
		{"incomplete", arpTable, "10.77.0.9", true},
		{"IPv4-mapped form of an incomplete one", arpTable, "::ffff:10.77.0.9", true},
		{"answered", arpTable, "10.77.0.2", false},
		{"answered on another device", arpTable, "10.77.0.5", false},
		{"not in the table (beyond a router)", arpTable, "192.0.2.7", false},
		{"IPv6: not told", arpTable, "fe80::1", false},
		{"heading alone", "IP address       HW type     Flags       HW address            Mask     Device\n", "10.77.0.9", false},
		{"empty", "", "10.77.0.9", false},
		{"flags unreadable", "h\n10.77.0.9 0x1 zz 00:00:00:00:00:00 * v0\n", "10.77.0.9", false},
		{"short line", "h\n10.77.0.9 0x1\n", "10.77.0.9", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := unansweredIn(strings.NewReader(tt.table), netip.MustParseAddr(tt.addr)); got != tt.want {
				t.Errorf("unansweredIn(%s) = %v, want %v", tt.addr, got, tt.want)
			}
		})
	}
}
