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
// A skipped asset is listed as "asset ID (reason)", and the lists of
// skipped assets and of asset groups that gave no target are joined with
// "; ": a reason never holds a ";" of its own (one in a value shown is
// escaped, \x3b), so that each entry of a list is told apart.

// maxSkipValues bounds the addresses a skip reason lists.
const maxSkipValues = 5

// skippedAsset is the entry of an asset that gave no target: "asset ID
// (reason)".
func skippedAsset(id, why string) string {
	if id == "" {
		id = "(no id)"
	} else {
		id = shownLabel(id)
	}
	return "asset " + id + " (" + why + ")"
}

// automaticSkip says why an asset gives no target in automatic mode: its
// host name was not used (none, not a valid target, or the asset has an
// agent, whose endpoint is reached by its addresses) and none of its
// addresses (seen_ip, then ips) is usable, each named with why. hostWhy
// is why the host name of an agentless asset is no usable target
// (localHosts.why), "" when it was not used for another reason.
func automaticSkip(a Asset, host, hostWhy, ports string) string {
	addrs := rejectedAddrs(append([]string{a.SeenIP}, a.IPs...))
	var head string
	switch {
	case host == "":
		head = "no hostname"
	case hostWhy != "":
		head = "hostname " + shownValue(host) + " " + hostWhy
	case validTarget(host) != nil:
		head = "hostname " + shownValue(host) + " is not a valid target"
		var ve *signatures.ValidationError
		if errors.As(validTarget(host), &ve) && ve.Reason == signatures.ReasonTargetPort {
			head += " (" + clause(portReason(ve.Reason, ports, true)) + ")"
		}
	default:
		head = "has an agent (automatic mode uses the hostname " + shownValue(host) + " only for agentless endpoints)"
	}
	if addrs == "" {
		return head + " and no seen_ip or ip"
	}
	return head + " and " + addrs
}

// seenIPSkip says why an asset gives no target in seen_ip mode.
func seenIPSkip(a Asset) string {
	v := strings.TrimSpace(a.SeenIP)
	if v == "" {
		return "no seen_ip"
	}
	why, _ := unusableWhy(v)
	return "seen_ip " + shownValue(v) + " " + why.one
}

// localIPSkip says why an asset gives no target in local_ip mode.
func localIPSkip(a Asset) string {
	if addrs := rejectedAddrs(a.IPs); addrs != "" {
		return addrs
	}
	return "no ip"
}

// hostnameSkip says why an asset gives no target in hostname mode; ports
// is where the injector takes ports (portsHint).
func hostnameSkip(host, ports string) string {
	if host == "" {
		return "no hostname"
	}
	reason := "not a valid target"
	var ve *signatures.ValidationError
	if err := validTarget(host); errors.As(err, &ve) {
		reason = portReason(ve.Reason, ports, true)
	}
	return "hostname " + shownValue(host) + " is not a valid target: " + clause(reason)
}

// rejectedAddrs describes unusable addresses, blanks ignored: "no usable
// address: 127.0.0.1 and ::1 are loopback" when they share a reason, else
// "no usable address: 127.0.0.1 is loopback, fe80::1 is link-local"; ""
// for none. At most maxSkipValues are listed, then "and N more".
func rejectedAddrs(values []string) string {
	var shown, seen []string
	var whys []unusable
	for _, v := range values {
		v = strings.TrimSpace(v)
		if v == "" || slices.Contains(seen, v) {
			continue
		}
		seen = append(seen, v)
		shown = append(shown, shownValue(v))
		why, _ := unusableWhy(v)
		whys = append(whys, why)
	}
	if len(shown) == 0 {
		return ""
	}
	more := ""
	if n := len(shown) - maxSkipValues; n > 0 {
		more = strconv.Itoa(n) + " more"
	}
	if !slices.ContainsFunc(whys, func(w unusable) bool { return w != whys[0] }) {
		listed := shown[:min(len(shown), maxSkipValues)]
		if more != "" {
			listed = append(slices.Clip(listed), more)
		}
		verb := whys[0].many
		if len(shown) == 1 {
			verb = whys[0].one
		}
		return "no usable address: " + joinAnd(listed) + " " + verb
	}
	items := make([]string, 0, min(len(shown), maxSkipValues)+1)
	for i := range shown[:min(len(shown), maxSkipValues)] {
		items = append(items, shown[i]+" "+whys[i].one)
	}
	if more != "" {
		items = append(items, "and "+more)
	}
	return "no usable address: " + strings.Join(items, ", ")
}

// joinAnd joins items as a sentence lists them: "a", "a and b", "a, b and
// c".
func joinAnd(items []string) string {
	if len(items) == 1 {
		return items[0]
	}
	return strings.Join(items[:len(items)-1], ", ") + " and " + items[len(items)-1]
}

// unusable says why an address is no usable target, of one address ("is
// loopback") and of several ("are loopback").
type unusable struct{ one, many string }

// unusableWhy names why an address is no usable target; ok is false for
// a usable one (usableIP): an IP address that is a valid target (a zone,
// if any, of the characters a target may hold; not unspecified, limited
// broadcast or multicast) and not loopback or link-local, whatever its
// zone.
func unusableWhy(v string) (why unusable, ok bool) {
	a, err := netip.ParseAddr(v)
	if err != nil {
		return unusable{"is not an IP address", "are not IP addresses"}, true
	}
	u := a.Unmap().WithZone("")
	switch {
	case u.IsLoopback():
		return unusable{"is loopback", "are loopback"}, true
	case u.IsMulticast():
		return unusable{"is multicast", "are multicast"}, true
	case u.IsLinkLocalUnicast():
		return unusable{"is link-local", "are link-local"}, true
	case u.IsUnspecified():
		return unusable{"is unspecified", "are unspecified"}, true
	case u == netip.AddrFrom4([4]byte{255, 255, 255, 255}):
		return unusable{"is broadcast", "are broadcast"}, true
	}
	var ve *signatures.ValidationError
	if err := validTarget(v); errors.As(err, &ve) {
		return unusable{"is refused (" + clause(ve.Reason) + ")", "are refused (" + clause(ve.Reason) + ")"}, true
	} else if err != nil {
		return unusable{"is not a target", "are not targets"}, true
	}
	return unusable{}, false
}

// clause is a reason made fit for a skip reason: its own ";" made ",".
func clause(reason string) string {
	return strings.ReplaceAll(reason, ";", ",")
}

// shownValue is a value as a skip reason names it: as given when it is a
// valid target or an address without a zone, else quoted and shortened
// when it reads as an attempt at an address or a host name
// (signatures.ReadsAsTarget, the rule of every refused target's error),
// else "(not shown)": a hostile or secret-looking value ("$(id)", a line
// of a file) is not echoed to the platform.
func shownValue(v string) string {
	if a, err := netip.ParseAddr(v); err == nil && a.Zone() == "" || validTarget(v) == nil {
		return v
	}
	if !signatures.ReadsAsTarget(v) {
		return "(not shown)"
	}
	return quoted(signatures.Shorten(v, 64))
}

// shownLabel is an id or a name as a list of skipped assets or of asset
// groups names it: as given unless it holds what could be read as the
// list's punctuation (";", parentheses, a quote) or a character that does
// not print, then quoted.
func shownLabel(s string) string {
	if s != "" && !strings.ContainsFunc(s, func(r rune) bool { return !strconv.IsPrint(r) || strings.ContainsRune(`;()"`, r) }) {
		return s
	}
	return quoted(s)
}

// quoted is s Go-quoted, ";" escaped (\x3b): it unquotes to s, and holds
// no ";" to be read as a list's separator.
func quoted(s string) string {
	return strings.ReplaceAll(strconv.Quote(s), ";", `\x3b`)
}
