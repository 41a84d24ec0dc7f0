package openaev

import (
	"fmt"
	"strings"
)

// DefaultMaxTargets is the most targets a platform message may give
// (Processor.MaxTargets): its manual targets, cloud regions, assets, or
// the endpoints of its asset groups. It is the CLI's max_targets default.
const DefaultMaxTargets = 65536

// tooManyTargets is the refusal of a message giving n targets in field,
// more than limit: a *ValidationError naming the field, the count and
// the limit, found before the targets are made (a manual list of 1.5
// million hosts took 1 GB to run).
func tooManyTargets(field string, n, limit int) error {
	return &ValidationError{Field: field,
		Reason: fmt.Sprintf("%d targets, more than max_targets (%d), the most an inject may have", n, limit)}
}

// countItems counts the items of a comma-separated list that are not
// blank, without splitting it.
func countItems(raw string) int {
	n := 0
	for rest := raw; ; {
		item, after, more := strings.Cut(rest, ",")
		if strings.TrimSpace(item) != "" {
			n++
		}
		if !more {
			return n
		}
		rest = after
	}
}

// maxTargets is the processor's bound on the targets of a message.
func (p *Processor) maxTargets() int {
	if p.MaxTargets > 0 {
		return p.MaxTargets
	}
	return DefaultMaxTargets
}
