package openaev

import (
	"context"
	"maps"
	"net/netip"
	"strings"

	"github.com/injectkit/injectkit/runtime"
	"github.com/injectkit/injectkit/signatures"
)

// hostLookup resolves host names: the runtime's resolver
// (runtime.Runtime.LookupHosts, through injectHosts), several at once
// and all within one lookup timeout; a name that does not resolve has no
// address.
type hostLookup interface {
	LookupHosts(ctx context.Context, names []string) map[string][]netip.Addr
}

// Interface guard.
var _ hostLookup = (*injectHosts)(nil)

// injectHosts resolves the host names of one inject's assets with the
// runtime, for its injector: only one that acts on its targets' addresses
// has them resolved (runtime.Runtime.LookupHosts), nmap's scan reaching
// the injector's own host for a name that resolves to loopback; for noop,
// or query's API, nothing is looked up. found keeps what was resolved,
// which the request hands on to the run (runtime.Request.Resolved) so
// that each name is resolved once per inject.
type injectHosts struct {
	rt       *runtime.Runtime
	injector string
	found    map[string][]netip.Addr
}

func (h *injectHosts) LookupHosts(ctx context.Context, names []string) map[string][]netip.Addr {
	got := h.rt.LookupHosts(ctx, h.injector, names)
	if h.found == nil {
		h.found = got
	} else {
		maps.Copy(h.found, got)
	}
	return got
}

// localHosts maps the host names (canonical) of assets that resolve only
// to addresses no asset's target may be (loopback, link-local: see
// unusableWhy) to why, said of the name: "resolves to no usable address
// (127.0.1.1 is loopback)". A name that did not resolve is absent: it is
// left to the injector, which resolves it itself.
type localHosts map[string]string

// why says why the canonical host-name value host of an asset is no
// usable target, "" when it is one: an IP address given as a host name is
// held to the rule of addresses, a localhost name (localhost, *.localhost:
// RFC 6761, loopback whatever the resolver says) is loopback, and a name
// that resolves only to unusable addresses is refused with them. From the
// injector's host, a scan of any of them reaches the injector's own host
// (or a host of its link), and would report its ports under the asset's
// id.
func (l localHosts) why(host string) string {
	if a, err := netip.ParseAddr(host); err == nil {
		if why, bad := unusableWhy(a.String()); bad {
			return why.one
		}
		return ""
	}
	if localhostName(host) {
		return "is loopback"
	}
	return l[host]
}

// localhostName reports whether the canonical host name is localhost or
// one of its subdomains.
func localhostName(host string) bool {
	return host == "localhost" || strings.HasSuffix(host, ".localhost")
}

// assetHost returns the canonical host name assetValue would take as the
// asset's target under prop, when it is one to resolve (not an address,
// not a localhost name); "" otherwise.
func assetHost(a Asset, prop string) string {
	if prop != PropertyHostname && (prop != PropertyAutomatic || !a.agentless()) {
		return ""
	}
	host := strings.TrimSpace(a.Hostname)
	if host == "" || validTarget(host) != nil {
		return ""
	}
	host = signatures.CanonicalTarget(host)
	if validAddr(host) || localhostName(host) {
		return ""
	}
	return host
}

// lookupLocal resolves the host names the assets' targets would be under
// prop, once each, with hosts (none: nothing is resolved), and returns
// those that resolve only to unusable addresses.
func lookupLocal(ctx context.Context, hosts hostLookup, assets []Asset, prop string) localHosts {
	if hosts == nil {
		return nil
	}
	var names []string
	for _, a := range assets {
		if h := assetHost(a, prop); h != "" {
			names = append(names, h)
		}
	}
	if len(names) == 0 {
		return nil
	}
	local := localHosts{}
	for name, addrs := range hosts.LookupHosts(ctx, names) {
		if why := resolvedWhy(addrs); why != "" {
			local[name] = why
		}
	}
	return local
}

// resolvedWhy says why a name resolving to addrs is no usable target,
// "" when one of them is usable.
func resolvedWhy(addrs []netip.Addr) string {
	shown := make([]string, 0, len(addrs))
	for _, a := range addrs {
		s := a.String()
		if _, bad := unusableWhy(s); !bad {
			return ""
		}
		shown = append(shown, s)
	}
	if len(shown) == 0 {
		return ""
	}
	return "resolves to " + strings.Replace(rejectedAddrs(shown), ": ", " (", 1) + ")"
}
