package nmap

import (
	"net/netip"
	"slices"

	"github.com/injectkit/injectkit/framework"
)

// A host name target's signatures name the host by its name alone
// (target_hostname), which the collectors that match a network event on
// its destination address never read: Splunk ES, Elastic, QRadar,
// LogRhythm and NetWitness keep source_ipv4_address,
// target_ipv4_address (and their IPv6 twins), start_date, end_date and
// parent_process_name of an expectation (SUPPORTED_SIGNATURES in each
// one's src/services/expectation_service.py) and OR the source and
// target addresses into their query (splunk-es
// src/services/client_api.py _build_ip_conditions: src_ip=… OR
// dest_ip=…; elastic's source.ip / destination.ip "should"; qradar's
// sourceip / destinationip). Without the target's address such a
// collector matches the scan on the injector's source address alone:
// missed when the defence sees another source (the injector in a
// container behind NAT, the usual deployment), and matched by any event
// of the injector's in the window otherwise. nmap's report names the
// address it resolved the name to and scanned (<address
// addrtype="ipv4"> beside <hostname type="user">): it is given to the
// runtime (ToolOutput.TargetAddresses), which sends it as the target's
// target_ipv4 beside its target_hostname. The collectors that read the
// host name (Cortex XDR, XSOAR, SentinelOne) keep reading it.

// scannedAt notes the IP addresses of h, a host nmap reported, as those
// it scanned for t when t is a host name target.
func (r report) scannedAt(t scanTarget, h host) {
	if t.name == "" {
		return
	}
	for _, a := range h.Addresses {
		if a.Type != "ipv4" && a.Type != "ipv6" {
			continue
		}
		ip, err := netip.ParseAddr(a.Addr)
		if err != nil || slices.Contains(r.addrs[t.index], ip.Unmap()) {
			continue
		}
		r.addrs[t.index] = append(r.addrs[t.index], ip.Unmap())
	}
}

// targetAddresses returns, keyed by the inject's targets (in), the
// addresses nmap scanned for each host name target it reported a host
// for; nil when there is none.
func (r report) targetAddresses(in []framework.Target) map[framework.Target][]netip.Addr {
	if len(r.addrs) == 0 {
		return nil
	}
	out := make(map[framework.Target][]netip.Addr, len(r.addrs))
	for i, addrs := range r.addrs {
		out[in[i]] = slices.Clone(addrs)
	}
	return out
}
