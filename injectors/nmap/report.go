package nmap

import (
	"fmt"
	"net/netip"
	"slices"
	"sort"
	"strings"

	"github.com/injectkit/injectkit/framework"
)

// Extra signature keys added per target for DETECTION and PREVENTION.
const (
	KeyPortsDiscovered    = "ports_discovered"
	KeyServicesDiscovered = "services_discovered"
)

// Findings keys.
const (
	FieldScanResults      = "scan_results"
	FieldPorts            = "ports"
	FieldActionOutput     = "action_output"
	FieldUnscannedTargets = "unscanned_targets"
	FieldUnstartedTargets = "unstarted_targets"
	FieldUnmatchedHosts   = "unmatched_hosts"
	FieldUnmatchedResults = "unmatched_results"
)

// ScanResult is one open port of one host, attributed to one target: a row
// of the platform's portscan output (asset_id, host, port and service are
// always present).
type ScanResult struct {
	Port     int    `json:"port"`
	Protocol string `json:"protocol"`
	// Service is nmap's name of the service, bare as its XML gives it
	// ("http" behind TLS too, with Tunnel "ssl"; no "?" for a guess):
	// the platform hands it on as written to a chained inject's service
	// argument, as OpenAEV's own nmap injector sends it.
	Service string `json:"service"`
	// Tunnel is "ssl" for a service -sV found behind TLS, else empty and
	// left out of the row.
	Tunnel  string `json:"tunnel,omitempty"`
	Product string `json:"product"`
	Version string `json:"version"`
	// Host is the address nmap scanned.
	Host string `json:"host"`
	// AssetID is the platform asset id of the target the host belongs to;
	// empty, and left out of the row, for a target that names no asset (a
	// manual target) and for an unmatched host. The platform links a port
	// finding to an asset only through it; a row without it is still a
	// valid portscan row (asset_id is the one field of the output type the
	// platform does not require), linked to no asset.
	AssetID string `json:"asset_id,omitempty"`
	// Target is the inject target the host was matched to (address or
	// host name); empty for an unmatched host.
	Target string `json:"target,omitempty"`
	// Unmatched flags a host nmap reported that matches no target.
	Unmatched bool `json:"unmatched,omitempty"`
}

// report is the scan's results attributed to the inject's targets.
type report struct {
	results []ScanResult // rows of the targets' hosts
	strays  []ScanResult // rows of hosts that match no target
	ports   []int
	// perTarget and scanned are by target index, a slot for every
	// target: a /8 is 16 million of them, and a map entry and two maps a
	// target took hundreds of bytes each (BENCHMARKS.md, nmap with many
	// targets).
	perTarget []*targetFinds       // nil for a target with no open port
	scanned   []bool               // targets nmap reported a host for
	nScanned  int                  // how many scanned holds set
	addrs     map[int][]netip.Addr // the addresses nmap scanned for host name targets, by index
	unscanned []string             // targets no host was reported for
	unmatched []string             // hosts that match no target
}

// targetStatus is the outcome of their own of the targets of in (the
// inject's, by index) nmap reported a host for: succeeded, whatever the
// run's (nmap writes a host once it is done with it, a scan cut or
// failed after it included); nil when it reported none. The others have
// none of their own known.
func (r report) targetStatus(in []framework.Target) map[framework.Target]framework.ExecutionStatus {
	if r.nScanned == 0 {
		return nil
	}
	out := make(map[framework.Target]framework.ExecutionStatus, r.nScanned)
	for i, ok := range r.scanned {
		if ok {
			out[in[i]] = framework.StatusSuccess
		}
	}
	return out
}

// buildReport matches every host to the targets by address or by the host
// name nmap was given, never by position.
func buildReport(targets []scanTarget, hosts []host) report {
	n := 0 // a slot for every target index
	for _, t := range targets {
		n = max(n, t.index+1)
	}
	r := report{perTarget: make([]*targetFinds, n), scanned: make([]bool, n), addrs: map[int][]netip.Addr{}}
	allPorts := map[int]bool{}
	// One row per target and port (targetFinds.has): nmap reports a host
	// once per input that names it (127.0.0.1, and localhost resolved to
	// it), and each such host matches the address target.
	idx := indexTargets(targets)
	for _, h := range hosts {
		matched := idx.matching(h)
		for _, t := range matched {
			if !r.scanned[t.index] {
				r.scanned[t.index] = true
				r.nScanned++
			}
			r.scannedAt(t, h)
		}
		addr := hostAddr(h)
		if len(matched) == 0 {
			r.unmatched = append(r.unmatched, addr)
		}
		for _, p := range openPorts(h) {
			allPorts[p.number()] = true
			row := ScanResult{Port: p.number(), Protocol: p.Protocol, Service: p.Service.Name,
				Tunnel: p.Service.Tunnel, Product: p.Service.Product, Version: p.Service.Version, Host: addr}
			if len(matched) == 0 {
				row.Unmatched = true
				r.strays = append(r.strays, row)
				continue
			}
			for _, t := range matched {
				f := r.finds(t.index)
				if !f.has(p.number(), p.Protocol) {
					row.AssetID, row.Target = t.meta.Asset, t.value
					r.results = append(r.results, row)
				}
				f.add(p)
			}
		}
	}
	for _, t := range targets {
		if !r.scanned[t.index] {
			r.unscanned = append(r.unscanned, t.value)
		}
	}
	r.ports = sortedKeys(allPorts)
	return r
}

// findings returns the Findings map; raw is nmap's XML output. Targets are
// listed as unscanned only when nmap produced a report. The open ports of
// hosts that match no target stay out of scan_results, whose rows the
// platform turns into findings of the targets' assets: they are kept in
// unmatched_results.
func (r report) findings(raw string, reported bool) map[string]any {
	m := map[string]any{
		FieldScanResults:  nonNil(r.results),
		FieldPorts:        r.ports,
		FieldActionOutput: raw,
	}
	if reported && len(r.unscanned) > 0 {
		m[FieldUnscannedTargets] = r.unscanned
	}
	if len(r.unmatched) > 0 {
		m[FieldUnmatchedHosts] = r.unmatched
	}
	if len(r.strays) > 0 {
		m[FieldUnmatchedResults] = r.strays
	}
	return m
}

// targetExtras returns one entry per target of targets (the inject's)
// nmap reported a host for, keyed by the target: the ports and services
// found on that target's host only, for DETECTION and PREVENTION ([] when
// none is open). A target nmap never
// finished (the scan timed out, was killed or failed first, or its name did
// not resolve) gets no entry: an empty list would read as "scanned, nothing
// open".
func (r report) targetExtras(targets []framework.Target) map[framework.Target]framework.TypeExtras {
	if r.nScanned == 0 {
		return nil
	}
	out := make(map[framework.Target]framework.TypeExtras, r.nScanned)
	for i, ok := range r.scanned {
		if !ok {
			continue
		}
		ports, services := []int{}, []string{}
		if f := r.perTarget[i]; f != nil {
			ports, services = f.portsAndServices()
		}
		// One map for both types: the runtime copies the output before
		// it reads or changes any of it (a map apiece was the largest
		// thing a target held).
		found := map[string]any{KeyPortsDiscovered: ports, KeyServicesDiscovered: services}
		out[targets[i]] = framework.TypeExtras{framework.Detection: found, framework.Prevention: found}
	}
	return out
}

// targetIndex finds the targets a host matches (matching) without
// comparing it with every target: a /16 is 65,536 hosts and as many
// targets, which compared pairwise took minutes after nmap had finished
// in seconds, past the inject's deadline.
type targetIndex struct {
	targets []scanTarget
	byAddr  map[scanAddr][]int // positions in targets, in order
	byName  map[scanName][]int
}

// scanAddr and scanName key a target by its scan and its address
// (without its zone: nmap's report writes none, the scan tells it) or
// its lower-case host name.
type scanAddr struct {
	scan int
	addr netip.Addr
}

type scanName struct {
	scan int
	name string
}

func indexTargets(targets []scanTarget) targetIndex {
	x := targetIndex{targets: targets, byAddr: map[scanAddr][]int{}, byName: map[scanName][]int{}}
	for i, t := range targets {
		if t.addr.IsValid() {
			k := scanAddr{t.scan, t.addr}
			x.byAddr[k] = append(x.byAddr[k], i)
		} else {
			k := scanName{t.scan, t.name}
			x.byName[k] = append(x.byName[k], i)
		}
	}
	return x
}

// matching returns the targets h is the host of, in the targets' order:
// those of h's own scan that are an address target of any of the host's
// IP addresses, or a host name target of the name nmap was given
// (hostname type user), in any case, with or without a trailing dot.
func (x targetIndex) matching(h host) []scanTarget {
	var at []int
	for _, a := range h.Addresses {
		if a.Type != "ipv4" && a.Type != "ipv6" {
			continue
		}
		if ip, err := netip.ParseAddr(a.Addr); err == nil {
			at = append(at, x.byAddr[scanAddr{h.scan, ip.Unmap().WithZone("")}]...)
		}
	}
	for _, hn := range h.Hostnames {
		if hn.Type == "user" {
			at = append(at, x.byName[scanName{h.scan, strings.ToLower(strings.TrimSuffix(hn.Name, "."))}]...)
		}
	}
	if len(at) == 0 {
		return nil
	}
	slices.Sort(at)
	at = slices.Compact(at)
	out := make([]scanTarget, len(at))
	for i, p := range at {
		out[i] = x.targets[p]
	}
	return out
}

// hostAddr names a host: its first IP address, else its first address or
// host name.
func hostAddr(h host) string {
	for _, a := range h.Addresses {
		if a.Type == "ipv4" || a.Type == "ipv6" {
			return a.Addr
		}
	}
	if len(h.Addresses) > 0 {
		return h.Addresses[0].Addr
	}
	if len(h.Hostnames) > 0 {
		return h.Hostnames[0].Name
	}
	return ""
}

// openPorts returns the host's open ports that carry a valid number.
func openPorts(h host) []port {
	var out []port
	for _, p := range h.Ports {
		if p.State.State == "open" && p.number() != 0 {
			out = append(out, p)
		}
	}
	return out
}

// partialLines describes a finished host, one line per open port, or one
// line when none is open. A host nmap was given by name is named by that
// name and its address, as nmap's own report does ("localhost (127.0.0.1):
// 22/tcp open ssh", "localhost (127.0.0.1): no open port"); a host given by
// address by its address alone ("127.0.0.1:22/tcp open ssh", "[::1]: no
// open port"). Either way the line names its target in the words
// signatures.TargetNames finds targets by, so a timed-out run sends it to
// that target's signatures.
func partialLines(h host) []string {
	addr := hostAddr(h)
	head, sep := addr, ":" // head, then sep before "22/tcp"
	switch name := userName(h); {
	case name != "" && !strings.EqualFold(name, addr):
		head, sep = name+" ("+addr+")", ": "
	case strings.Contains(addr, ":"):
		head = "[" + addr + "]"
	}
	var lines []string
	for _, p := range openPorts(h) {
		line := fmt.Sprintf("%s%s%d/%s open", head, sep, p.number(), p.Protocol)
		if name := p.Service.label(); name != "" { // none named: the port alone, as services_discovered
			line += " " + name
		}
		lines = append(lines, line)
	}
	if len(lines) == 0 {
		lines = append(lines, head+": no open port")
	}
	return lines
}

// userName is the host name nmap was given for h (the name a host name
// target holds), or "" when it was given an address.
func userName(h host) string {
	for _, hn := range h.Hostnames {
		if hn.Type == "user" && hn.Name != "" {
			return hn.Name
		}
	}
	return ""
}

// serviceLabel is a services_discovered entry, and the end of a partial
// line: "22/tcp ssh", "18443/tcp ssl/http" for a service nmap found behind
// TLS (service.label), the port alone ("12222/tcp") when nmap named no
// service (scan_results' service is "" then); a service nmap itself named
// "unknown" keeps its name.
func serviceLabel(p port) string {
	label := fmt.Sprintf("%d/%s", p.number(), p.Protocol)
	if name := p.Service.label(); name != "" {
		return label + " " + name
	}
	return label
}

func sortedKeys(m map[int]bool) []int {
	out := make([]int, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Ints(out)
	return out
}

func nonNil(r []ScanResult) []ScanResult {
	if r == nil {
		return []ScanResult{}
	}
	return r
}
