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
// returns each name that resolved to at least one address with its
// addresses (IPv4-mapped ones unmapped), each name looked up once; a name
// that does not resolve in time, or any name when the resolver has no
// LookupHost, is absent. The resolver's LookupHost must honour its
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
			hosts, err := lookup(ctx, name)
			if err != nil {
				return
			}
			var as []netip.Addr
			for _, h := range hosts {
				if a, err := netip.ParseAddr(h); err == nil {
					as = append(as, a.Unmap())
				}
			}
			if len(as) > 0 {
				mu.Lock()
				out[name] = as
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	return out
}
