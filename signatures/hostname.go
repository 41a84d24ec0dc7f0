package signatures

import (
	"fmt"
	"net/netip"
	"strings"
	"unicode"
	"unicode/utf8"
)

// ValidateHostname checks that v is an RFC 1123 host name: dot-separated
// labels of 1 to 63 letters, digits and hyphens, no label starting or ending
// with a hyphen, at most 253 characters, and a last label that is not made
// of digits and hyphens only (so that a mistyped address or an address range
// such as 10.0.0.1-20 is not taken for a name). A fully-qualified name may
// end with a dot (web.example.com.), which CanonicalTarget drops. A
// character a name may not hold is named with its byte position
// (stray), never with the value around it, which an error may withhold.
func ValidateHostname(field, v string) error {
	bad := func(reason string) error { return &ValidationError{Field: field, Value: v, Reason: reason} }
	if v == "" {
		return bad("empty host name")
	}
	if emptyZone(v) {
		return bad(ReasonEmptyZone)
	}
	if withPort(v) {
		return bad(ReasonTargetPort)
	}
	if i, closes := unbalancedBracket(v); i >= 0 && closes {
		return bad("unbalanced bracket: " + stray(v, i) + " closes no '['; a target is written without brackets (::1, not [::1])")
	} else if i >= 0 {
		return bad("unbalanced bracket: " + stray(v, i) + " is never closed; a target is written without brackets (::1, not [::1])")
	}
	if inner, ok := strings.CutPrefix(v, "["); ok {
		if inner, ok = strings.CutSuffix(inner, "]"); ok {
			if _, err := netip.ParseAddr(inner); err == nil {
				return bad("brackets are not part of an address (they set one apart in a URL): give " + inner)
			}
		}
	}
	name := strings.TrimSuffix(v, ".")
	if name == "" {
		return bad("empty host name")
	}
	if NmapRange(name) {
		return bad(ReasonNmapRange)
	}
	if len(name) > 253 {
		return bad("host name longer than 253 characters")
	}
	labels := strings.Split(name, ".")
	at := 0 // the byte of v where the label starts
	for _, l := range labels {
		if l == "" {
			return bad("empty label in host name")
		}
		if len(l) > 63 {
			return bad("host name label longer than 63 characters")
		}
		if l[0] == '-' || l[len(l)-1] == '-' {
			return bad("host name label starts or ends with '-'")
		}
		for i := 0; i < len(l); i++ {
			ch := l[i]
			if !(ch >= 'a' && ch <= 'z' || ch >= 'A' && ch <= 'Z' || ch >= '0' && ch <= '9' || ch == '-') {
				if j := foreign(v); j >= 0 && strings.IndexByte(addressOnly, ch) >= 0 {
					return bad("not an IP address, CIDR range or host name: it holds " + stray(v, j))
				}
				return bad("host name may hold only letters, digits, hyphens and dots, not " + stray(v, at+i) + idnaHint(v, at+i))
			}
		}
		at += len(l) + 1
	}
	if last := labels[len(labels)-1]; numeric(last) {
		if strings.Contains(last, "-") {
			return bad("not a valid IP address or host name (address ranges are not accepted)")
		}
		return bad("not a valid IP address or host name (a host name's last label is not all digits)")
	}
	return nil
}

// addressOnly holds the characters that set an address, a range or a zone
// apart from a host name: a value whose first character a name may not
// hold is one of them reads as an address ([::1], 10.0.0.0/24,
// fe80::1%eth0), and the character to name is one no form allows
// (foreign), not its first ':' or '['.
const addressOnly = ":[]/%"

// foreign returns the byte index in v of the first character no target
// form allows (neither a host name's nor an address's, a range's or a
// zone's), -1 when there is none: an invisible character pasted with an
// address, a '!' typed into it.
func foreign(v string) int {
	for i := 0; i < len(v); i++ {
		ch := v[i]
		if !(ch >= 'a' && ch <= 'z' || ch >= 'A' && ch <= 'Z' || ch >= '0' && ch <= '9' || ch == '-' || ch == '.') &&
			ch != '_' && strings.IndexByte(addressOnly, ch) < 0 { // '_': a zone's
			return i
		}
	}
	return -1
}

// RangeReason is why v, a value holding "/" that is no CIDR range, is
// refused: NotARange, and the first character no form allows when it holds
// one ("…: it holds the non-printable character U+200B at byte 10").
func RangeReason(v string) string {
	if j := foreign(v); j >= 0 {
		return NotARange + ": it holds " + stray(v, j)
	}
	return NotARange
}

// unbalancedBracket returns the byte of v's first bracket left without
// its pair, and whether it is a ']' that closes no '[', or -1: "::1]"
// is said for its stray ']', not for the ':' a host name may not hold.
func unbalancedBracket(v string) (int, bool) {
	var open []int
	for i := 0; i < len(v); i++ {
		switch v[i] {
		case '[':
			open = append(open, i)
		case ']':
			if len(open) == 0 {
				return i, true
			}
			open = open[:len(open)-1]
		}
	}
	if len(open) > 0 {
		return open[0], false
	}
	return -1, false
}

// stray names the character of v at byte i, one a target may not hold, as
// an error says it: "the non-printable character U+200B at byte 0" (an
// invisible character pasted with the name), "the non-ASCII character
// U+00FC 'ü' at byte 1", "the byte 0xFF at byte 3 (not UTF-8)", "the
// character U+005F '_' at byte 3". Positions count bytes from 0, as the
// inject id's check counts them (Unprintable).
func stray(v string, i int) string {
	r, size := utf8.DecodeRuneInString(v[i:])
	switch {
	case r == utf8.RuneError && size <= 1:
		return fmt.Sprintf("the byte 0x%02X at byte %d (not UTF-8)", v[i], i)
	case !unicode.IsPrint(r):
		return fmt.Sprintf("the non-printable character %U at byte %d", r, i)
	case r > unicode.MaxASCII:
		return fmt.Sprintf("the non-ASCII character %#U at byte %d", r, i)
	}
	return fmt.Sprintf("the character %#U at byte %d", r, i)
}

// idnaHint returns, when the character of v at byte i is a printable
// non-ASCII one (a letter of an internationalised name, bücher.example),
// how to write such a name; else "".
func idnaHint(v string, i int) string {
	if r, _ := utf8.DecodeRuneInString(v[i:]); r <= unicode.MaxASCII || r == utf8.RuneError || !unicode.IsPrint(r) {
		return ""
	}
	return ": write an internationalised name in its xn-- form (bücher.example as xn--bcher-kva.example)"
}

// notAddress returns the error of v, given for field, that is not an
// address of the kind what names ("an IPv4 address"): one that holds a
// control or non-ASCII byte names the first (stray), as the user cannot
// see an invisible character and an error may withhold the value.
func notAddress(field, v, what string) error {
	reason := "not " + what
	for i := 0; i < len(v); i++ {
		if v[i] < ' ' || v[i] >= 0x7f {
			reason += ": it holds " + stray(v, i)
			break
		}
	}
	return &ValidationError{Field: field, Value: v, Reason: reason}
}

// ReasonTargetPort is the reason a target written with a port
// (web.example:8080) is refused: the ports, for an injector that takes
// any, are one of its params, which the caller that knows the injector
// names (nmap's ports, say).
const ReasonTargetPort = "a target holds no port; the ports, for an injector that takes any, are one of its params"

// ReasonEmptyZone is the Reason of the *ValidationError of an IPv6
// address followed by a '%' and no zone (fe80::1%), which netip refuses
// and would otherwise be judged as a host name.
const ReasonEmptyZone = "an IPv6 address with an empty zone: give the interface after '%' (fe80::1%eth0), or leave '%' out"

// emptyZone reports whether v is an IPv6 address followed by a '%'
// alone: a zone left empty.
func emptyZone(v string) bool {
	addr, ok := strings.CutSuffix(v, "%")
	if !ok {
		return false
	}
	a, err := netip.ParseAddr(addr)
	return err == nil && a.Is6() && a.Zone() == ""
}

// badZoneChar returns the byte index in z of the first character a zone
// may not hold, -1 when it looks like an interface name or index: netip
// accepts any byte in a zone, a command line should not.
func badZoneChar(z string) int {
	for i := 0; i < len(z); i++ {
		ch := z[i]
		if !(ch >= 'a' && ch <= 'z' || ch >= 'A' && ch <= 'Z' || ch >= '0' && ch <= '9' || ch == '.' || ch == '_' || ch == '-') {
			return i
		}
	}
	return -1
}

// withPort reports whether v reads as an address or a name followed by a
// port: 10.0.0.1:80, [2001:db8::1]:443, web.example.com:8080.
func withPort(v string) bool {
	if _, err := netip.ParseAddrPort(v); err == nil {
		return true
	}
	host, port, ok := strings.Cut(v, ":")
	return ok && host != "" && port != "" && !strings.Contains(port, ":") && strings.Trim(port, "0123456789") == ""
}

// numeric reports whether s is non-empty and holds only digits and hyphens.
func numeric(s string) bool {
	for i := 0; i < len(s); i++ {
		if (s[i] < '0' || s[i] > '9') && s[i] != '-' {
			return false
		}
	}
	return s != ""
}

// ReasonNmapRange is why a value written in nmap's IPv4 octet-range
// syntax (NmapRange) is refused wherever a target is given: it is no host
// name, and a target is one address.
const ReasonNmapRange = "an nmap address range (10.0.0.1-20, 10.0.0.*, 10.0.0.1,5): address ranges are not accepted; " +
	"give a CIDR range (10.0.0.0/24) or each address"

// NmapRange reports whether v is written in nmap's IPv4 octet-range
// syntax, as nmap 7.93 reads a target (TargetGroup.cc,
// parse_ipv4_ranges): four dot-separated octets, each "*" or items joined
// by "," (a number, or a range "1-20", "-5", "250-", "-"), at least one
// octet more than a number (10.0.0.1 is an address). nmap would scan
// every address it spans; a target is refused as the range it is, not
// judged as the host name it is not.
func NmapRange(v string) bool {
	octets := strings.Split(v, ".")
	if len(octets) != 4 {
		return false
	}
	ranged := false
	for _, o := range octets {
		if o == "*" {
			ranged = true
			continue
		}
		for _, item := range strings.Split(o, ",") {
			lo, hi, isRange := strings.Cut(item, "-")
			if !digits(hi) || !digits(lo) || lo == "" && !isRange {
				return false
			}
		}
		ranged = ranged || strings.ContainsAny(o, "-,")
	}
	return ranged
}

// digits reports whether s holds ASCII digits alone ("" too).
func digits(s string) bool {
	return strings.Trim(s, "0123456789") == ""
}
