package openaev

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"strings"

	"github.com/injectkit/injectkit/runtime"
	"github.com/injectkit/injectkit/signatures"
)

// Selection is the outcome of target selection.
type Selection struct {
	Specs []runtime.TargetSpec
	// Skipped describes the assets that gave no usable target, one entry
	// each: "asset ID (why)", why holding no ";" (see skippedAsset).
	Skipped []string
	// Selector is the inject's target selector and Groups the names (else
	// ids) of its asset groups that yielded a target, each once.
	Selector string
	Groups   []string
	// Barren describes the asset groups that yielded no target (one line
	// each: the group and why), each once.
	Barren []string
	// Agents maps the id of each selected asset that has several agents
	// a signature may name (Asset.signingAgents: those the message does
	// not mark inactive) to their ids, de-duplicated, in the message's
	// order: its target's Agent is the first, and the profile sends its
	// signatures once per agent (the platform attaches a signature naming
	// an agent to that agent's expectations only). An asset with no such
	// agent has a target naming no agent.
	Agents map[string][]string
	// ports says where the injector takes ports (portsHint), for the
	// reason of an asset whose hostname holds one.
	ports string
}

// targetPager fetches the assets of asset groups.
type targetPager interface {
	GroupAssetsUpTo(ctx context.Context, groupID string, most int) ([]Asset, error)
}

// Interface guard.
var _ targetPager = (*Client)(nil)

// resolveTargets applies the inject's target selector and property
// selector: assets of the message, assets of its asset groups (paged from
// the platform) or manual targets. Each target keeps its asset id, first
// active agent id and asset group id (Agents lists the active agents of
// an asset with several; an agent marked inactive is named by none).
// Manual targets are split on commas, trimmed, a CIDR range expanded,
// de-duplicated and validated (manualTargets); a bad one is a
// *ValidationError naming it.
// An asset without a usable value is skipped and listed in Skipped. No
// target at all is an error, and so are more than limit (manual targets
// and assets counted before a target is made, the endpoints of asset
// groups as each group is paged). An asset's host name is resolved with
// hosts (nil: none is) before it is taken: one that resolves only to
// loopback or link-local addresses is no usable value (localHosts).
func resolveTargets(ctx context.Context, m *Message, pager targetPager, hosts hostLookup, limit int, ports string) (*Selection, error) {
	in := m.Injection
	sel, err := in.contentString(KeyTargetSelector)
	if err != nil {
		return nil, err
	}
	prop, err := in.contentString(KeyTargetPropertySelector)
	if err != nil {
		return nil, err
	}
	sel, prop = strings.TrimSpace(sel), strings.TrimSpace(prop)
	if sel == "" {
		sel = defaultSelector(m)
	}
	if prop == "" {
		prop = PropertyAutomatic
	}
	switch prop {
	case PropertyAutomatic, PropertyHostname, PropertySeenIP, PropertyLocalIP:
	default:
		return nil, &ValidationError{Field: "inject_content." + KeyTargetPropertySelector, Value: prop,
			Reason: "unknown target property (valid: automatic, hostname, seen_ip, local_ip)"}
	}
	t := &Selection{Selector: sel, ports: ports}
	switch sel {
	case SelectorManual:
		raw, err := in.contentString(KeyTargets)
		if err != nil {
			return nil, err
		}
		if t.Specs, err = manualTargets(raw, limit); err != nil {
			return nil, withPortsHint(err, ports)
		}
	case SelectorAssets:
		if len(m.Assets) > limit {
			return nil, tooManyTargets("assets", len(m.Assets), limit)
		}
		seen := map[string]bool{}
		local := lookupLocal(ctx, hosts, m.Assets, prop)
		for _, a := range m.Assets {
			t.add(a, "", prop, seen, local)
		}
	case SelectorAssetGroups:
		if pager == nil {
			return nil, errors.New("asset groups need a platform to page their assets from")
		}
		if err := t.addGroups(ctx, m.AssetGroups, prop, pager, hosts, limit); err != nil {
			return nil, err
		}
	default:
		return nil, &ValidationError{Field: "inject_content." + KeyTargetSelector, Value: sel,
			Reason: "unknown target selector (valid: assets, asset-groups, manual)"}
	}
	if len(t.Specs) == 0 {
		reason := "no targets for selector " + sel
		if len(t.Barren) > 0 {
			reason += " (" + skipList(t.Barren) + ")"
		}
		if len(t.Skipped) > 0 {
			reason += " (skipped: " + skipList(t.Skipped) + ")"
		}
		return t, fmt.Errorf("%w: %s", errNoTargets, reason)
	}
	return t, nil
}

// defaultSelector guesses the selector of a message whose content names
// none: assets, else asset groups, else manual.
func defaultSelector(m *Message) string {
	switch {
	case len(m.Assets) > 0:
		return SelectorAssets
	case len(m.AssetGroups) > 0:
		return SelectorAssetGroups
	}
	return SelectorManual
}

// add appends the asset's target, once per asset id, and reports whether
// the asset is a target (added now or before). seen maps the asset ids
// met to that answer; local the asset host names that are no usable
// target.
func (t *Selection) add(a Asset, groupID, prop string, seen map[string]bool, local localHosts) bool {
	key := a.ID
	if key != "" {
		if target, ok := seen[key]; ok {
			return target
		}
	}
	value, why := assetValue(a, prop, local, t.ports)
	if key != "" {
		seen[key] = value != ""
	}
	if value == "" {
		t.Skipped = append(t.Skipped, skippedAsset(a.ID, why))
		return false
	}
	ids := a.signingAgents()
	spec := runtime.TargetSpec{Value: value, Asset: a.ID, AssetGroup: groupID}
	if len(ids) > 0 {
		spec.Agent = ids[0]
	}
	t.Specs = append(t.Specs, spec)
	if len(ids) > 1 && a.ID != "" {
		if t.Agents == nil {
			t.Agents = map[string][]string{}
		}
		t.Agents[a.ID] = ids
	}
	return true
}

// assetValue picks the asset's target value for the property; an empty
// value comes with the reason, naming the values rejected (a host name
// not used in automatic mode because the asset has an agent, loopback
// addresses, a host name that is loopback: localHosts.why).
func assetValue(a Asset, prop string, local localHosts, ports string) (string, string) {
	host := strings.TrimSpace(a.Hostname)
	switch prop {
	case PropertyHostname:
		if host == "" || validTarget(host) != nil {
			return "", hostnameSkip(host, ports)
		}
		c := signatures.CanonicalTarget(host)
		if why := local.why(c); why != "" {
			return "", "hostname " + shownValue(host) + " " + why
		}
		return c, ""
	case PropertySeenIP:
		if usableIP(a.SeenIP) {
			return canonicalIP(a.SeenIP), ""
		}
		return "", seenIPSkip(a)
	case PropertyLocalIP:
		if ip := firstUsableIP(a.IPs); ip != "" {
			return ip, ""
		}
		return "", localIPSkip(a)
	}
	// automatic
	hostWhy := ""
	if a.agentless() && host != "" && validTarget(host) == nil {
		c := signatures.CanonicalTarget(host)
		if hostWhy = local.why(c); hostWhy == "" {
			return c, ""
		}
	}
	if usableIP(a.SeenIP) {
		return canonicalIP(a.SeenIP), ""
	}
	if ip := firstUsableIP(a.IPs); ip != "" {
		return ip, ""
	}
	return "", automaticSkip(a, host, hostWhy, ports)
}

// usableIP reports whether s (spaces around it aside) is a usable target
// address (see unusableWhy).
func usableIP(s string) bool {
	_, bad := unusableWhy(strings.TrimSpace(s))
	return !bad
}

// canonicalIP returns a usable address in its canonical form
// (signatures.CanonicalTarget: ::ffff:10.0.0.4 is 10.0.0.4, FD00::2 is
// fd00::2).
func canonicalIP(s string) string {
	return signatures.CanonicalTarget(strings.TrimSpace(s))
}

func firstUsableIP(ips []string) string {
	for _, ip := range ips {
		if usableIP(ip) {
			return canonicalIP(ip)
		}
	}
	return ""
}

// validAddr reports whether s is an IP address.
func validAddr(s string) bool {
	_, err := netip.ParseAddr(s)
	return err == nil
}

// validTarget checks a value as a network target would be checked.
func validTarget(v string) error {
	return signatures.ClassifyNetworkTarget(v).Validate()
}
