package runtime

import (
	"slices"

	"github.com/injectkit/injectkit/framework"
	"github.com/injectkit/injectkit/signatures"
)

// handed is what the runtime keeps of the targets it hands the executor
// (ValidateTargets, Execute): the runtime's own slice, not a copy of it (a
// million targets' copy is 64 MB, and the peak heap of a run twice what it
// holds), with each target's configuration and attribution as they were,
// so that restore undoes whatever the executor changed there once it has
// returned. A configuration given as a pointer, which the executor could
// change in place, makes the executor get a copy instead (copied): only
// the Go API types targets so.
type handed struct {
	configs []signatures.Config // value configurations: immutable, shared with the targets
	attrs   []signatures.Attribution
	// copied says that the executor got its own copy of the targets:
	// nothing to restore.
	copied bool
}

// hand returns the targets to hand the executor, and what restore needs
// to undo its changes.
func hand(targets []framework.Target) ([]framework.Target, *handed) {
	if slices.ContainsFunc(targets, func(t framework.Target) bool { return pointerConfig(t.Config) }) {
		return executorTargets(targets), &handed{copied: true}
	}
	h := &handed{configs: make([]signatures.Config, len(targets))}
	for i, t := range targets {
		h.configs[i] = t.Config
		if t.Attribution != (signatures.Attribution{}) && h.attrs == nil {
			h.attrs = make([]signatures.Attribution, len(targets))
		}
		if h.attrs != nil {
			h.attrs[i] = t.Attribution
		}
	}
	return targets, h
}

// restore sets each target back to what it was handed (targets, the
// runtime's slice) and reports whether it changed one.
func (h *handed) restore(targets []framework.Target) bool {
	if h.copied {
		return false
	}
	changed := false
	for i := range targets {
		t := &targets[i]
		var a signatures.Attribution
		if h.attrs != nil {
			a = h.attrs[i]
		}
		if t.Config != h.configs[i] || t.Attribution != a {
			t.Config, t.Attribution, changed = h.configs[i], a, true
		}
	}
	return changed
}

// fresh returns a new slice of the targets as they were handed, for an
// executor abandoned after its deadline, which may still change the slice
// it was handed.
func (h *handed) fresh(targets []framework.Target) []framework.Target {
	if h.copied {
		return targets
	}
	out := make([]framework.Target, len(targets))
	for i := range out {
		out[i].Config = h.configs[i]
		if h.attrs != nil {
			out[i].Attribution = h.attrs[i]
		}
	}
	return out
}

// pointerConfig reports whether c is a configuration given as a pointer.
func pointerConfig(c signatures.Config) bool {
	switch c.(type) {
	case *signatures.NetworkConfig, *signatures.CloudConfig, *signatures.ExternalConfig:
		return true
	}
	return false
}
