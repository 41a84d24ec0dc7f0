package signatures

import (
	"net/netip"
	"strings"
)

// CanonicalTarget returns the one form a network target value takes on the
// wire, in the configurations an executor is handed and in what it
// reports, whatever form it was given in: an IP address as
// netip.Addr.String() writes it (RFC 5952 for IPv6: lower case, zeros
// compressed; zone kept as given), an IPv4-mapped IPv6 address
// (::ffff:10.0.0.4) as the IPv4 address it maps (its traffic is IPv4 and
// the defences log it so); a host name in lower case (DNS names ignore
// case, the defences log them lower case) without the trailing dot of a
// fully-qualified name (web.example.com. is web.example.com). Any other
// value is returned as it is: CanonicalTarget does not validate, call it
// on a value that passed validation (whose messages name the value as it
// was given).
//
// A value already in that form is returned as it is, without an
// allocation, and a value without a colon without being parsed: netip
// takes an IPv4 address in its one dotted-decimal form only, which has no
// capital and no trailing dot, so that such a value's form is its lower
// case without a trailing dot whether it is an address or a name (the
// runtime calls this on each of a million targets, twice).
func CanonicalTarget(v string) string {
	if strings.IndexByte(v, ':') < 0 {
		return strings.ToLower(strings.TrimSuffix(v, "."))
	}
	if a, err := netip.ParseAddr(v); err == nil {
		var buf [64]byte // the longest IPv6 address and a short zone
		if b := a.Unmap().AppendTo(buf[:0]); string(b) != v {
			return string(b)
		}
		return v
	}
	return strings.ToLower(strings.TrimSuffix(v, "."))
}

// Canonical returns c with its target values in their canonical form
// (CanonicalTarget): a NetworkConfig whose target_ipv6 is an IPv4-mapped
// address becomes one whose target_ipv4 is the address it maps, so that
// an IPv4 address never sits in an IPv6 field. A cloud configuration is
// returned as it is; a pointer as a pointer, the same one when nothing
// changes, and c itself when it is in that form already (no allocation:
// the runtime calls it on each of a million targets). The runtime calls
// it on every target once validated: an executor, the signatures and the
// wire profiles see this form only.
func Canonical(c Config) Config {
	switch v := c.(type) {
	case NetworkConfig:
		if v.dottedIPv4() {
			return c // the common case, a million lines of a targets file: nothing to look at
		}
		if n := v.canonical(); n != v {
			return n
		}
	case *NetworkConfig:
		if v != nil {
			if n := v.canonical(); n != *v {
				return ptr(n)
			}
		}
	case ExternalConfig:
		if n := v.canonical(); n != v {
			return n
		}
	case *ExternalConfig:
		if v != nil {
			if n := v.canonical(); n != *v {
				return ptr(n)
			}
		}
	}
	return c
}

// dottedIPv4 reports whether c holds a target_ipv4 alone of digits and
// dots not ending in a dot: CanonicalTarget returns such a value as it is,
// so c is in its canonical form.
func (c NetworkConfig) dottedIPv4() bool {
	v := c.TargetIPv4
	if v == "" || c.TargetIPv6 != "" || c.TargetHostname != "" || v[len(v)-1] == '.' {
		return false
	}
	for i := 0; i < len(v); i++ {
		if (v[i] < '0' || v[i] > '9') && v[i] != '.' {
			return false
		}
	}
	return true
}

func (c NetworkConfig) canonical() NetworkConfig {
	if c.TargetIPv6 != "" {
		if a, err := netip.ParseAddr(c.TargetIPv6); err == nil && a.Is4In6() && c.TargetIPv4 == "" {
			c.TargetIPv4, c.TargetIPv6 = a.Unmap().String(), ""
		}
	}
	for _, f := range []*string{&c.TargetIPv4, &c.TargetIPv6, &c.TargetHostname} {
		if *f != "" {
			*f = CanonicalTarget(*f)
		}
	}
	return c
}

func (c ExternalConfig) canonical() ExternalConfig {
	for _, f := range []*string{&c.TargetIPv4, &c.TargetHostname} {
		if *f != "" {
			*f = CanonicalTarget(*f)
		}
	}
	return c
}

// ptr returns a pointer to a copy of v, allocated only where it is called.
func ptr[T any](v T) *T { return &v }
