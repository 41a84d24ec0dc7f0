package runtime

import (
	"github.com/injectkit/injectkit/framework"
	"github.com/injectkit/injectkit/signatures"
)

// targetMatcher counts the targets partial results name, in the words
// signatures.TargetNames finds them by (those that attribute a timed-out
// run's results to its targets' signatures).
type targetMatcher struct {
	names    *signatures.TargetNames
	named    []bool
	reported int
}

func newTargetMatcher(targets []framework.Target) *targetMatcher {
	return &targetMatcher{
		names: signatures.NewTargetNames(len(targets), func(i int) signatures.Config { return targets[i].Config }),
		named: make([]bool, len(targets)),
	}
}

// add counts the targets result names.
func (m *targetMatcher) add(result string) {
	if m.reported == len(m.named) {
		return
	}
	for ts := range m.names.Named(result) {
		for _, i := range ts {
			if !m.named[i] {
				m.named[i] = true
				m.reported++
			}
		}
	}
}
