package nmap

import (
	"fmt"
	"net/netip"
	"strconv"
	"strings"

	"github.com/injectkit/injectkit/framework"
	"github.com/injectkit/injectkit/signatures"
)

var scanFlags = map[string]string{
	ScanConnect: "-sT",
	ScanSYN:     "-sS",
	ScanFIN:     "-sF",
}

// buildArgs returns nmap's arguments for validated params. Targets are read
// from standard input (-iL -) and the XML report is written to standard
// output (-oX -). -n turns off reverse DNS, so that nmap sends nothing to a
// name server the inject did not name; -Pn scans every target without a
// ping first; --exclude leaves out a host name that resolves to an
// address that is no host (notHosts).
func buildArgs(p Params, ipv6 bool) []string {
	args := []string{
		scanFlags[p.ScanType],
		"-T" + strconv.Itoa(p.Timing),
		"-Pn", "-n",
		"--stats-every", "5s",
		"-oX", "-",
		"-iL", "-",
		"--exclude", notHosts(ipv6),
	}
	if p.Ports != "" {
		args = append(args, "-p", p.portSpec())
	}
	if p.ServiceDetection {
		args = append(args, "-sV")
	}
	if ipv6 {
		args = append(args, "-6")
	}
	return args
}

// scanTarget is one inject target, ready to scan and to match results to.
type scanTarget struct {
	index int
	value string     // the target, canonical (signatures.Canonical): as reported
	input string     // what nmap is given on standard input ("": value)
	addr  netip.Addr // valid for an address target, without its zone
	name  string     // lower-case host name, for a host name target
	ipv6  bool
	zone  string // an IPv6 target's zone, as given
	// noIface is set (zoneIndexes) when the zone is a name no interface
	// of the machine has: nmap cannot resolve the target.
	noIface bool
	scan    int // the scan (scanGroup) it is in, once grouped
	meta    signatures.Attribution
}

// nmapInput returns what nmap is given for t.
func (t scanTarget) nmapInput() string {
	if t.input != "" {
		return t.input
	}
	return t.value
}

// scanTargets checks every target of the inject and returns them in order. A
// target that is not a valid network configuration, or whose value holds a
// character nmap could read as anything but one target, is an error naming
// its position: nothing is run.
func scanTargets(targets []framework.Target) ([]scanTarget, error) {
	if len(targets) == 0 {
		return nil, &signatures.ValidationError{Field: "targets", Reason: "no target to scan"}
	}
	out := make([]scanTarget, 0, len(targets))
	for i, t := range targets {
		field := fmt.Sprintf("targets[%d]", i)
		c, ok := t.Network()
		if !ok {
			return nil, &signatures.ValidationError{Field: field, Value: fmt.Sprintf("%T", t.Config),
				Reason: "not a network target"}
		}
		if err := c.Validate(); err != nil {
			return nil, fmt.Errorf("%s: %w", field, err)
		}
		c = signatures.Canonical(c).(signatures.NetworkConfig)
		v := c.Value()
		if err := checkTargetChars(v); err != nil {
			return nil, &signatures.ValidationError{Field: field, Value: v, Reason: err.Error()}
		}
		st := scanTarget{index: i, value: v, meta: t.Attribution}
		switch {
		case c.TargetIPv4 != "", c.TargetIPv6 != "":
			a, err := netip.ParseAddr(v)
			if err != nil {
				return nil, &signatures.ValidationError{Field: field, Value: v, Reason: "not an IP address"}
			}
			st.addr, st.zone = a.WithZone(""), a.Zone()
			st.ipv6 = c.TargetIPv6 != ""
		default:
			if looksLikeRange(v) {
				return nil, &signatures.ValidationError{Field: field, Value: v,
					Reason: "host name made of digits and '-' only would be read by nmap as an address range"}
			}
			if a, ok := inetAton(v); ok {
				return nil, &signatures.ValidationError{Field: field, Value: v,
					Reason: fmt.Sprintf("nmap reads this host name as the IPv4 address %s (inet_aton: 1 to 4 "+
						"parts, each decimal, 0x hex or 0 octal), not as a DNS name; give the address %s instead", a, a)}
			}
			st.name = v // canonical: lower case, no trailing dot
		}
		out = append(out, st)
	}
	return out, nil
}

// checkTargetChars is the last line of defence before standard input: a
// target is one word of letters, digits and . : % _ -, that does not start
// with '-'. Anything else (white space, newlines, '#', '/', shell syntax)
// could split into several targets or be read as an option.
func checkTargetChars(v string) error {
	if v == "" {
		return fmt.Errorf("empty target")
	}
	if v[0] == '-' {
		return fmt.Errorf("target must not start with '-'")
	}
	for i := 0; i < len(v); i++ {
		c := v[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' ||
			c == '.' || c == ':' || c == '%' || c == '_' || c == '-') {
			return fmt.Errorf("target may hold only letters, digits and . : %% _ -")
		}
	}
	return nil
}

// looksLikeRange reports whether a host name is made only of digits, dots
// and hyphens, like nmap's octet ranges (10.0.0.1-254): nmap would expand it
// to many addresses instead of resolving one name.
func looksLikeRange(name string) bool {
	for i := 0; i < len(name); i++ {
		c := name[i]
		if !(c >= '0' && c <= '9' || c == '.' || c == '-') {
			return false
		}
	}
	return true
}

// inetAton returns the IPv4 address the C library's inet_aton (and so
// getaddrinfo, and nmap) reads name as, if it reads it as one: 1 to 4
// dot-separated parts, each decimal, 0x hex (at least one digit) or
// 0-leading octal, every part but the last at most 255 and the last filling
// the bytes left (0x7f000001, 0177.1, 127.1 and 2130706433 are 127.0.0.1).
// Anything else (a.0x1, 0x, 1.2.3.4.) is a name nmap resolves.
func inetAton(name string) (netip.Addr, bool) {
	parts := strings.Split(name, ".")
	if len(parts) > 4 {
		return netip.Addr{}, false
	}
	var addr uint32
	for i, p := range parts {
		base := 10
		switch {
		case len(p) > 1 && p[0] == '0' && (p[1] == 'x' || p[1] == 'X'):
			p, base = p[2:], 16
		case len(p) > 1 && p[0] == '0':
			p, base = p[1:], 8
		}
		if p == "" {
			return netip.Addr{}, false
		}
		n, err := strconv.ParseUint(p, base, 32)
		if err != nil {
			return netip.Addr{}, false
		}
		if i < len(parts)-1 {
			if n > 0xff {
				return netip.Addr{}, false
			}
			addr |= uint32(n) << (8 * (3 - i))
			continue
		}
		if bits := 8 * (4 - i); bits < 32 && n >= 1<<bits {
			return netip.Addr{}, false
		}
		addr |= uint32(n)
	}
	return netip.AddrFrom4([4]byte{byte(addr >> 24), byte(addr >> 16), byte(addr >> 8), byte(addr)}), true
}

// scanGroup is one nmap run: the targets of one address family, and for
// IPv6 of one zone.
type scanGroup struct {
	ipv6    bool
	targets []scanTarget
}

// maxNamed bounds the targets a scan's name, or a message, lists.
const maxNamed = 5

// String names the scan in an error: its family and its targets
// (canonical, each once, the first maxNamed of them): "IPv4 scan of
// 127.0.0.1, localhost", "IPv6 scan of fe80::1%eth0".
func (g scanGroup) String() string {
	family := "IPv4"
	if g.ipv6 {
		family = "IPv6"
	}
	var names []string
	seen := map[string]bool{}
	for _, t := range g.targets {
		if !seen[t.value] {
			seen[t.value] = true
			names = append(names, t.value)
		}
	}
	return family + " scan of " + nameSome(names)
}

// nameSome names the first maxNamed of names, joined with ", ", and
// counts the others: "a, b, c, d, e and 3 more".
func nameSome(names []string) string {
	s := strings.Join(names[:min(len(names), maxNamed)], ", ")
	if more := len(names) - maxNamed; more > 0 {
		s += fmt.Sprintf(" and %d more", more)
	}
	return s
}

// scanNames names scans, joined with "; ".
func scanNames(groups []scanGroup) string {
	names := make([]string, len(groups))
	for i, g := range groups {
		names[i] = g.String()
	}
	return strings.Join(names, "; ")
}

// input returns the group's standard input: one target per line, each
// value once.
func (g scanGroup) input() string {
	var b strings.Builder
	seen := map[string]bool{}
	for _, t := range g.targets {
		in := t.nmapInput()
		if seen[in] {
			continue
		}
		seen[in] = true
		b.WriteString(in)
		b.WriteByte('\n')
	}
	return b.String()
}

// groupTargets splits targets into scans, and records in each target the
// scan it is in: IPv4 addresses and host names first, then IPv6 addresses
// without a zone (which need -6), then one scan per zone. nmap's report
// names a host by its address without the zone (fe80::1%eth0 and
// fe80::1%eth1 are both "fe80::1"), so that a host is matched to the
// targets of its own scan only. The zones that name no interface of the
// machine (noIface), which nmap cannot resolve, share one scan: nmap
// reports each "Failed to resolve" and no host for any, so nothing is
// matched across them, and an inject of many such zones (fe80::1%a,
// fe80::1%b, …) starts nmap once for them, not once each.
func groupTargets(targets []scanTarget) []scanGroup {
	const v4, v6, noIface = "4", "6", "6?"
	order := []string{v4, v6}
	byKey := map[string][]int{} // positions in targets, by scan
	for i, t := range targets {
		k := v4
		switch in := t.nmapInput(); {
		case t.ipv6 && t.noIface:
			k = noIface
		case t.ipv6 && t.zone != "":
			k = v6 + in[strings.IndexByte(in, '%'):] // the zone nmap is given
		case t.ipv6:
			k = v6
		}
		if _, ok := byKey[k]; !ok && k != v4 && k != v6 {
			order = append(order, k)
		}
		byKey[k] = append(byKey[k], i)
	}
	var groups []scanGroup
	for _, k := range order {
		if len(byKey[k]) == 0 {
			continue
		}
		g := scanGroup{ipv6: k != v4}
		for _, i := range byKey[k] {
			targets[i].scan = len(groups)
			g.targets = append(g.targets, targets[i])
		}
		groups = append(groups, g)
	}
	return groups
}

// zoneIndexes gives nmap each IPv6 zone that names an interface as that
// interface's index (fe80::1%eth0 as fe80::1%2): nmap 7.93 resolves an
// index but not a name ("Failed to resolve"). A name ifIndex does not know
// is given as it is, the target marked noIface, and nmap reports it
// unscanned. An index is given as it is (ValidateTargets refused one no
// interface has).
func zoneIndexes(targets []scanTarget, ifIndex func(zone string) (int, error)) {
	if ifIndex == nil {
		return
	}
	for i, t := range targets {
		if t.zone == "" || numericZone(t.zone) {
			continue
		}
		if n, err := ifIndex(t.zone); err == nil && n > 0 {
			targets[i].input = t.addr.WithZone(strconv.Itoa(n)).String()
		} else {
			targets[i].noIface = true
		}
	}
}
