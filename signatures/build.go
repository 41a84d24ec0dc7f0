package signatures

import (
	"fmt"
	"maps"
	"net/netip"
	"slices"
	"strings"
)

// BuildNetworkConfigs turns a list of targets into validated network
// configurations, one per item, order preserved. An item may be:
//   - a string, classified as an IPv4 address, an IPv6 address (zones
//     allowed) or an RFC 1123 host name; ranges and CIDR blocks are rejected,
//     since a signature names one asset;
//   - a map[string]any with the keys target_ipv4, target_ipv6 or
//     target_hostname (string values; unknown keys are rejected);
//   - a NetworkConfig, validated as it is.
//
// Anything else is a *TypeError; a malformed value is a *ValidationError whose
// field path names the item's position.
func BuildNetworkConfigs(targets ...any) ([]NetworkConfig, error) {
	out := make([]NetworkConfig, 0, len(targets))
	for i, t := range targets {
		var c NetworkConfig
		switch v := t.(type) {
		case string:
			c = ClassifyNetworkTarget(v)
		case map[string]any:
			var err error
			if c, err = networkFromMap(v); err != nil {
				return nil, withPrefix(fmt.Sprintf("targets[%d]", i), err)
			}
		case NetworkConfig:
			c = v
		default:
			return nil, &TypeError{Index: i, Type: fmt.Sprintf("%T", t)}
		}
		if err := c.Validate(); err != nil {
			return nil, withPrefix(fmt.Sprintf("targets[%d]", i), err)
		}
		out = append(out, c)
	}
	return out, nil
}

// ClassifyNetworkTarget classifies s as an IPv4 address, an IPv6 address or,
// failing both, a host name. It does not validate the host name: call
// Validate on the result.
func ClassifyNetworkTarget(s string) NetworkConfig {
	if a, err := netip.ParseAddr(s); err == nil {
		if a.Is4() {
			return NetworkConfig{TargetIPv4: s}
		}
		return NetworkConfig{TargetIPv6: s}
	}
	return NetworkConfig{TargetHostname: s}
}

func networkFromMap(m map[string]any) (NetworkConfig, error) {
	var c NetworkConfig
	for _, k := range slices.Sorted(maps.Keys(m)) {
		s, ok := m[k].(string)
		switch k {
		case "target_ipv4", "target_ipv6", "target_hostname":
			if !ok {
				return c, &ValidationError{Field: k, Value: fmt.Sprint(m[k]), Reason: fmt.Sprintf("must be a string, not %T", m[k])}
			}
		default:
			return c, &ValidationError{Field: k, Value: fmt.Sprint(m[k]),
				Reason: "unknown field (valid: " + strings.Join([]string{"target_ipv4", "target_ipv6", "target_hostname"}, ", ") + ")"}
		}
		switch k {
		case "target_ipv4":
			c.TargetIPv4 = s
		case "target_ipv6":
			c.TargetIPv6 = s
		case "target_hostname":
			c.TargetHostname = s
		}
	}
	return c, nil
}
