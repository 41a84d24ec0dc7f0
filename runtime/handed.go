package runtime

import (
	"slices"

	"github.com/injectkit/injectkit/framework"
	"github.com/injectkit/injectkit/signatures"
)

// handed returns the targets an executor's method is handed: a copy of its
// own (executorTargets), or, for an executor that only reads them (a
// framework.TargetsReader), the runtime's own, uncopied.
func (p *Prepared) handed() []framework.Target {
	if p.readsOnly {
		return p.Targets
	}
	return executorTargets(p.Targets)
}

// executorTargets returns the executor's copy of targets, for one of its
// methods: a new slice, and a configuration of its own for each given as a
// pointer (a value configuration, its fields strings, is copied with the
// slice). The runtime never reads it back: an executor that writes there
// after it returned (a goroutine it left running, its Close) races
// nothing the runtime reads. At a million targets it is 64 MB, made when
// the method is called and let go when it returns (Prepared.inject is
// dropped before the delivery).
func executorTargets(targets []framework.Target) []framework.Target {
	out := slices.Clone(targets)
	for i := range out {
		switch c := out[i].Config.(type) {
		case *signatures.NetworkConfig:
			v := *c
			out[i].Config = &v
		case *signatures.CloudConfig:
			v := *c
			out[i].Config = &v
		case *signatures.ExternalConfig:
			v := *c
			out[i].Config = &v
		}
	}
	return out
}
