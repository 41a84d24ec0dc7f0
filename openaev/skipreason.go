package openaev

import (
	"errors"
	"net/netip"
	"slices"
	"strconv"
	"strings"

	"github.com/injectkit/injectkit/signatures"
)

// The reasons an asset gives no target, naming the values it rejected.

// maxSkipValues bounds the addresses a skip reason lists.
const maxSkipValues = 5

// automaticSkip says why an asset gives no target in automatic mode: its
// host name was not used (none, not a valid target, or the asset has an
// agent, whose endpoint is reached by its addresses) and none of its
// addresses (seen_ip, then ips) is usable, each named with why.
func automaticSkip(a Asset, host string) string {
	addrs := rejectedAddrs(append([]string{a.SeenIP}, a.IPs...))
	var head string
	switch {
	case host == "":
		head = "no hostname"
	case validTarget(host) != nil:
		head = "hostname " + shownValue(host) + " is not a valid target"
	default:
		head = "has an agent"
	}
	if addrs == "" {
		head += " and no seen_ip or ip"
	} else {
		head += " and only " + addrs
	}
	if host != "" && validTarget(host) == nil {
		head += "; automatic mode uses the hostname (" + shownValue(host) + ") only for agentless endpoints"
	}
	return head
}

// seenIPSkip says why an asset gives no target in seen_ip mode.
func seenIPSkip(a Asset) string {
	if strings.TrimSpace(a.SeenIP) == "" {
		return "no seen_ip"
	}
	v := strings.TrimSpace(a.SeenIP)
	return "seen_ip " + shownValue(v) + " is " + unusableWhy(v)
}

// localIPSkip says why an asset gives no target in local_ip mode.
func localIPSkip(a Asset) string {
	if addrs := rejectedAddrs(a.IPs); addrs != "" {
		return "only " + addrs
	}
	return "no ip"
}

// rejectedAddrs describes unusable addresses, blanks ignored: "loopback
// addresses (127.0.0.1, ::1)" when they share a reason, else "unusable
// addresses (127.0.0.1: loopback, fe80::1: link-local)"; "" for none. At
// most maxSkipValues are listed, then "and N more".
func rejectedAddrs(values []string) string {
	var shown, whys []string
	for _, v := range values {
		v = strings.TrimSpace(v)
		if v == "" || slices.Contains(shown, shownValue(v)) {
			continue
		}
		shown = append(shown, shownValue(v))
		whys = append(whys, unusableWhy(v))
	}
	if len(shown) == 0 {
		return ""
	}
	same := true
	for _, w := range whys {
		same = same && w == whys[0]
	}
	items := shown
	if !same {
		items = make([]string, len(shown))
		for i := range shown {
			items[i] = shown[i] + ": " + whys[i]
		}
	}
	listed := strings.Join(items[:min(len(items), maxSkipValues)], ", ")
	if more := len(items) - maxSkipValues; more > 0 {
		listed += " and " + strconv.Itoa(more) + " more"
	}
	if same {
		return whys[0] + " addresses (" + listed + ")"
	}
	return "unusable addresses (" + listed + ")"
}

// unusableWhy names why an address is no usable target.
func unusableWhy(v string) string {
	a, err := netip.ParseAddr(v)
	if err != nil {
		return "not an IP"
	}
	u := a.Unmap().WithZone("")
	switch {
	case u.IsLoopback():
		return "loopback"
	case u.IsMulticast():
		return "multicast"
	case u.IsLinkLocalUnicast():
		return "link-local"
	case u.IsUnspecified():
		return "unspecified"
	case u == netip.AddrFrom4([4]byte{255, 255, 255, 255}):
		return "broadcast"
	}
	var ve *signatures.ValidationError
	if err := validTarget(v); errors.As(err, &ve) {
		return ve.Reason
	}
	return "not a target"
}

// shownValue is a value as a skip reason names it: as given when it is a
// valid target or an address without a zone, else quoted and shortened.
func shownValue(v string) string {
	if a, err := netip.ParseAddr(v); err == nil && a.Zone() == "" || validTarget(v) == nil {
		return v
	}
	return strconv.Quote(signatures.Shorten(v, 64))
}
