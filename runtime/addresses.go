package runtime

import (
	"net/netip"
	"slices"

	"github.com/injectkit/injectkit/framework"
	"github.com/injectkit/injectkit/signatures"
)

// addressKeys re-keys the addresses of host name targets m
// (framework.ToolOutput.TargetAddresses) by the target each key names
// (keyOf, as extrasKeys), each list copied: nothing the executor still
// holds is read after. Keys naming one target keep the addresses of
// both, in the keys' order of no consequence: their first of each
// family is the one sent, and an executor giving one target two lists
// gives the same name's addresses twice.
func addressKeys(m map[framework.Target][]netip.Addr, keyOf func(framework.Target) framework.Target) map[framework.Target][]netip.Addr {
	if m == nil {
		return nil
	}
	out := make(map[framework.Target][]netip.Addr, len(m))
	for k, addrs := range m {
		key := keyOf(k)
		out[key] = append(out[key], slices.Clone(addrs)...)
	}
	return out
}

// addressesOption is the signatures.PostOption giving the host name
// targets of addrs (by position) the addresses the tool sent to; none
// when it is nil.
func addressesOption(addrs [][]netip.Addr) signatures.PostOption {
	if addrs == nil {
		return signatures.TargetAddresses(nil)
	}
	return signatures.TargetAddresses(func(i int) []netip.Addr { return addrs[i] })
}
