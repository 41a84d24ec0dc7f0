package signatures

import (
	"context"
	"net/netip"
	"sync"
)

// LookupHosts resolves host names with the Manager's resolver
// (Resolver.LookupHost, the resolution the injector's own traffic and
// RouteSources go through), at most maxNameLookups at once and all of
// them within nameLookupTimeout of the call (or ctx's end, if sooner). It
// returns each name it looked up, once each, with its addresses
// (IPv4-mapped ones unmapped), nil when the name did not resolve in time;
// a name not looked up (ctx ended first, or any name when the resolver
// has no LookupHost) is absent. Handed to RouteSources.Resolved, what it
// found is not looked up again. The resolver's LookupHost must honour its
// context, as the system resolver's does.
func (m *Manager) LookupHosts(ctx context.Context, names []string) map[string][]netip.Addr {
	out := map[string][]netip.Addr{}
	lookup := m.resolver.LookupHost
	if lookup == nil || len(names) == 0 {
		return out
	}
	ctx, cancel := context.WithTimeout(ctx, nameLookupTimeout)
	defer cancel()
	var (
		mu   sync.Mutex
		wg   sync.WaitGroup
		seen = map[string]bool{}
		sem  = make(chan struct{}, maxNameLookups)
	)
	for _, name := range names {
		if seen[name] {
			continue
		}
		seen[name] = true
		select {
		case sem <- struct{}{}:
		case <-ctx.Done():
		}
		if ctx.Err() != nil {
			break // the names not started are not looked up
		}
		wg.Go(func() {
			defer func() { <-sem }()
			var as []netip.Addr
			if hosts, err := lookup(ctx, name); err == nil {
				for _, h := range hosts {
					if a, err := netip.ParseAddr(h); err == nil {
						as = append(as, a.Unmap())
					}
				}
			}
			mu.Lock()
			out[name] = as
			mu.Unlock()
		})
	}
	wg.Wait()
	return out
}
