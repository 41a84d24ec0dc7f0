package cli

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/injectkit/injectkit/runtime"
)

// The targets a run refuses are named all at once, each where it was
// written: a user fixing a targets file of 500 lines wants every bad line
// of it from one run, not one a run.

// maxNamedTargets bounds the refused targets an error names; past it the
// error says how many more there are.
const maxNamedTargets = 20

// refusedTargets are the refusals of a list's targets: the first
// maxNamedTargets of them, and how many there are in all.
type refusedTargets struct {
	named []error
	count int
}

// reject notes the refusal of a target, which refused makes only while
// it is among the first maxNamedTargets (a file of a million bad lines
// costs no million messages), and lets the list go on to the next target:
// it returns nil.
func (l *targetList) reject(refused func() error) error {
	if len(l.refused.named) < maxNamedTargets {
		l.refused.named = append(l.refused.named, refused())
	}
	l.refused.count++
	return nil
}

// refusal is the usage error of the targets refused, nil when none was:
// one target's error as it is; for several, a line saying how many, then
// each named on a line of its own, as it would be alone, then how many
// more there are past maxNamedTargets.
func (l *targetList) refusal() error {
	switch l.refused.count {
	case 0:
		return nil
	case 1:
		return l.refused.named[0]
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%d invalid targets, nothing run", l.refused.count)
	if l.refused.count > len(l.refused.named) {
		fmt.Fprintf(&b, " (the first %d named)", len(l.refused.named))
	}
	b.WriteString(":")
	for _, err := range l.refused.named {
		b.WriteString("\n  ")
		var ee *ExitError
		if errors.As(err, &ee) && ee.Err != nil {
			err = ee.Err
		}
		b.WriteString(err.Error())
	}
	if more := l.refused.count - len(l.refused.named); more > 0 {
		fmt.Fprintf(&b, "\n  and %d more", more)
	}
	return &ExitError{Code: ExitUsage, Err: errors.New(b.String())}
}

// collectTargets returns the targets the flags give, or the inject
// file's (gatherTargets); an error names every target refused
// (refusal), up to maxNamedTargets.
func collectTargets(ctx context.Context, cfg runConfig, fromFile runtime.FileTargets) (*targetList, error) {
	l, err := gatherTargets(ctx, cfg, fromFile)
	if err == nil && l != nil {
		err = l.refusal()
	}
	if err != nil {
		return nil, err
	}
	return l, nil
}
