package cli

import (
	"errors"
	"fmt"
	"net/netip"
	"strings"

	"github.com/injectkit/injectkit/runtime"
	"github.com/injectkit/injectkit/signatures"
)

// wrongFamily is the reason a range p in field key of spec is refused
// whole, before it expands, when its addresses are of the other family
// than the field's (each would be refused, named by its own address), or
// "".
func wrongFamily(spec runtime.TargetSpec, key string, p netip.Prefix) string {
	a := p.Masked().Addr()
	switch {
	case !p.IsValid():
	case key == "target_ipv4" && spec.Query != "" && a.Is6() && !a.Is4In6():
		return signatures.ReasonIPv6Narrowing // an IPv4-mapped range is the range it maps
	case key == "target_ipv6" && spec.Query != "":
		return signatures.ReasonIPv6Narrowing
	case key == "value" && spec.Query != "":
		return runtime.ReasonValueNarrowing
	case key == "target_ipv4" && spec.Query == "" && a.Is6():
		return "not an IPv4 address"
	case key == "target_ipv6" && a.Is4():
		return "not an IPv6 address"
	}
	return ""
}

// rangeOf returns the key and the text of the field of spec holding a
// CIDR range (value, target_ipv4 or target_ipv6), or "".
func rangeOf(spec runtime.TargetSpec) (key, text string) {
	switch {
	case strings.Contains(spec.Value, "/"):
		return "value", spec.Value
	case strings.Contains(spec.TargetIPv4, "/"):
		return "target_ipv4", spec.TargetIPv4
	case strings.Contains(spec.TargetIPv6, "/"):
		return "target_ipv6", spec.TargetIPv6
	}
	return "", ""
}

// classify validates a target and returns its configuration, in its
// canonical form (signatures.Canonical), and, for {"value": …} alone that
// is an address, the address (unmapped). Such a value, the common case (a
// million lines of a targets file), is parsed once and typed as
// TargetSpec.Config would type it.
func classify(spec runtime.TargetSpec) (signatures.Config, netip.Addr, error) {
	if spec.Value == "" || spec != (runtime.TargetSpec{Value: spec.Value}) {
		c, err := spec.Config()
		if err != nil {
			return nil, netip.Addr{}, err
		}
		return signatures.Canonical(c), netip.Addr{}, nil
	}
	var c signatures.NetworkConfig
	a, err := netip.ParseAddr(spec.Value)
	switch {
	case err != nil:
		a = netip.Addr{}
		if err = signatures.ValidateHostname("value", spec.Value); err == nil {
			c.TargetHostname = signatures.CanonicalTarget(spec.Value)
		}
	case a.Zone() != "":
		c.TargetIPv6 = spec.Value
		if err = c.Validate(); err == nil {
			c = signatures.Canonical(c).(signatures.NetworkConfig)
			a = a.Unmap()
		}
	case a.Is4():
		c.TargetIPv4 = spec.Value
	case a.Is4In6():
		a = a.Unmap()
		c.TargetIPv4 = a.String()
	default:
		c.TargetIPv6 = a.String()
	}
	if reason := signatures.NotAHost(a); err == nil && reason != "" {
		err = &signatures.ValidationError{Field: "value", Value: spec.Value, Reason: reason}
	}
	if err != nil {
		var ve *signatures.ValidationError
		if errors.As(err, &ve) {
			err = &signatures.ValidationError{Field: "value", Value: spec.Value, Reason: ve.Reason}
		}
		return nil, netip.Addr{}, err
	}
	return c, a, nil
}

// describeSpec names a target in a message: its address, name, query or
// cloud account and region.
func describeSpec(s runtime.TargetSpec) string {
	var parts []string
	for _, v := range []string{s.Value, s.TargetIPv4, s.TargetIPv6, s.TargetHostname, s.CloudProvider,
		s.CloudAccountID, s.CloudRegion, s.TargetService} {
		if v != "" {
			parts = append(parts, v)
		}
	}
	if s.Query != "" {
		parts = append([]string{fmt.Sprintf("query %q", s.Query)}, parts...)
	}
	return strings.Join(parts, " ")
}
