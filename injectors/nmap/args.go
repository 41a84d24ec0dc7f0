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
// ping first.
func buildArgs(p Params, ipv6 bool) []string {
	args := []string{
		scanFlags[p.ScanType],
		"-T" + strconv.Itoa(p.Timing),
		"-Pn", "-n",
		"--stats-every", "5s",
		"-oX", "-",
		"-iL", "-",
	}
	if p.Ports != "" {
		args = append(args, "-p", p.Ports)
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
	value string     // what nmap is given on standard input
	addr  netip.Addr // valid for an address target
	name  string     // lower-case host name, for a host name target
	ipv6  bool
	meta  signatures.Attribution
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
			st.addr = a.Unmap().WithZone("")
			st.ipv6 = c.TargetIPv6 != ""
		default:
			if looksLikeRange(v) {
				return nil, &signatures.ValidationError{Field: field, Value: v,
					Reason: "host name made of digits and '-' only would be read by nmap as an address range"}
			}
			if numericLastLabel(v) {
				return nil, fmt.Errorf("%s: %w", field, &signatures.ValidationError{Field: "target_hostname", Value: v,
					Reason: "a host name whose last label is a number (decimal, octal or 0x hex) is read " +
						"as an IPv4 address (0x7f000001, 0177.1, 2130706433 are 127.0.0.1), not a DNS " +
						"name (RFC 1123 2.1); give the address as target_ipv4"})
			}
			st.name = strings.ToLower(strings.TrimSuffix(v, "."))
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

// numericLastLabel reports whether a host name's last label (a trailing
// dot aside) is all decimal digits, or 0x and hex digits: every string
// inet_aton reads as an address (1 to 4 parts, each decimal, octal or hex)
// ends so, and no DNS top-level label is all-numeric (RFC 1123 2.1, RFC
// 3696 2). Such a name would scan an address the signatures call a name.
func numericLastLabel(name string) bool {
	name = strings.TrimSuffix(name, ".")
	label := name[strings.LastIndexByte(name, '.')+1:]
	digits := "0123456789"
	if len(label) >= 2 && label[0] == '0' && (label[1] == 'x' || label[1] == 'X') {
		label, digits = label[2:], "0123456789abcdefABCDEF"
	} else if label == "" {
		return false
	}
	for i := 0; i < len(label); i++ {
		if !strings.ContainsRune(digits, rune(label[i])) {
			return false
		}
	}
	return true
}

// scanGroup is one nmap run: the targets of one address family.
type scanGroup struct {
	ipv6    bool
	targets []scanTarget
}

// input returns the group's standard input: one target per line, each
// value once.
func (g scanGroup) input() string {
	var b strings.Builder
	seen := map[string]bool{}
	for _, t := range g.targets {
		if seen[t.value] {
			continue
		}
		seen[t.value] = true
		b.WriteString(t.value)
		b.WriteByte('\n')
	}
	return b.String()
}

// groupTargets splits targets into at most two scans: IPv4 addresses and host
// names first, then IPv6 addresses (which need -6).
func groupTargets(targets []scanTarget) []scanGroup {
	var v4, v6 scanGroup
	v6.ipv6 = true
	for _, t := range targets {
		if t.ipv6 {
			v6.targets = append(v6.targets, t)
		} else {
			v4.targets = append(v4.targets, t)
		}
	}
	var groups []scanGroup
	for _, g := range []scanGroup{v4, v6} {
		if len(g.targets) > 0 {
			groups = append(groups, g)
		}
	}
	return groups
}
