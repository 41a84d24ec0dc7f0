package runtime

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/injectkit/injectkit/framework"
	"github.com/injectkit/injectkit/signatures"
)

// notReachedWords is the reason of a target an executor named unreached
// without saying why.
const notReachedWords = "not reached"

// unreachedKeys re-keys the targets an executor did not reach
// (framework.ToolOutput.Unreached) by the target each key names (keyOf, as
// extrasKeys reads a key), each reason made by text (the secrets
// redacted), "" read as "not reached". Two keys naming one target with
// different reasons keep the first in byte order: either way it was not
// reached.
func unreachedKeys(m map[framework.Target]string, keyOf func(framework.Target) framework.Target, text func(string) string) map[framework.Target]string {
	if m == nil {
		return nil
	}
	out := make(map[framework.Target]string, len(m))
	for k, why := range m {
		if why = text(why); why == "" {
			why = notReachedWords
		}
		key := keyOf(k)
		if prev, ok := out[key]; ok && prev <= why {
			continue
		}
		out[key] = why
	}
	return out
}

// statusKeys re-keys the targets' own outcomes
// (framework.ToolOutput.TargetStatus) by the target each key names (keyOf,
// as unreachedKeys does); two keys naming one target keep the worse
// outcome (worseStatus).
func statusKeys(m map[framework.Target]framework.ExecutionStatus, keyOf func(framework.Target) framework.Target) map[framework.Target]framework.ExecutionStatus {
	if m == nil {
		return nil
	}
	out := make(map[framework.Target]framework.ExecutionStatus, len(m))
	for k, st := range m {
		key := keyOf(k)
		if prev, ok := out[key]; ok && worseStatus(prev, st) == prev {
			continue
		}
		out[key] = st
	}
	return out
}

// worseStatus returns the worse of two outcomes: failed, then timeout,
// then partial, then success; an unknown one (which knownStatus drops)
// below all, so that it never hides a known one.
func worseStatus(a, b framework.ExecutionStatus) framework.ExecutionStatus {
	order := []framework.ExecutionStatus{framework.StatusSuccess, framework.StatusPartial, framework.StatusTimeout, framework.StatusFailed}
	rank := func(s framework.ExecutionStatus) int {
		return slices.Index(order, s) // -1 for an unknown one
	}
	if rank(b) > rank(a) {
		return b
	}
	return a
}

// notReachedOf is why the executor named each of targets not reached
// (framework.ToolOutput.Unreached keyed by framework.Target.ExtrasKey, as
// the runtime keys it), by position, "" for a target reached; nil when
// none was not. It serves what reads an output outside Run (PayloadOf, a
// Report built by hand): the keys naming no target are ignored. Run's
// notReached is the same list, byPosition of the reasons ownOutput keyed
// (unreachedKeys), its stray keys logged.
func notReachedOf(unreached map[framework.Target]string, targets []framework.Target) []string {
	notReached, _ := byPosition(unreachedKeys(unreached, framework.Target.ExtrasKey, func(s string) string { return s }), targets)
	return notReached
}

// byPosition lays the values of m, keyed by framework.Target.ExtrasKey,
// out by position over targets, the zero value for a target m does not
// key; nil when m keys none of them. It returns the keys naming none of
// targets too, as Target.String names them, sorted.
func byPosition[V any](m map[framework.Target]V, targets []framework.Target) (out []V, stray []string) {
	if len(m) == 0 {
		return nil, nil
	}
	found := make(map[framework.Target]struct{}, len(m))
	for i, t := range targets {
		k := t.ExtrasKey()
		if v, ok := m[k]; ok {
			if out == nil {
				out = make([]V, len(targets))
			}
			out[i], found[k] = v, struct{}{}
		}
	}
	if len(found) == len(m) {
		return out, nil
	}
	for k := range m {
		if _, ok := found[k]; !ok {
			stray = append(stray, k.String())
		}
	}
	slices.Sort(stray)
	return out, stray
}

// noneReached reports whether every target of a run is in notReached
// (by position).
func noneReached(notReached []string) bool {
	return len(notReached) > 0 && countNotReached(notReached) == len(notReached)
}

// outcomeReached is the outcome of out, a run that did not reach the
// targets notReached names (by position), as Run and PayloadOf both take
// it: a run none of whose targets was reached fails (unless it already
// did), its exit code and crash time kept, its message after "no target
// was reached"; but a run cut short stays a timeout, whatever it reached
// (the deadline or the interrupt is why), and a run that reached a target
// keeps its outcome.
func outcomeReached(out framework.ToolOutput, notReached []string) framework.ToolOutput {
	switch {
	case !noneReached(notReached):
		return out
	case out.ExecutionStatus() == framework.StatusTimeout, out.ExecutionStatus() == framework.StatusFailed:
		return out
	}
	var info framework.ErrorInfo
	if out.ErrorInfo != nil {
		info = *out.ErrorInfo
	}
	msgs := []string{"no target was reached"}
	if info.Message != "" {
		msgs = append(msgs, info.Message)
	}
	info.Message = strings.Join(msgs, "; ")
	out.Status, out.ErrorInfo = framework.StatusFailed, &info
	return out
}

// notReachedOption is the signatures.PostOption marking the targets of
// notReached (by position); none when it is nil.
func notReachedOption(notReached []string) signatures.PostOption {
	if notReached == nil {
		return signatures.NotReached(nil)
	}
	return signatures.NotReached(func(i int) string { return notReached[i] })
}

// countNotReached counts the targets of notReached (by position).
func countNotReached(notReached []string) int {
	n := 0
	for _, why := range notReached {
		if why != "" {
			n++
		}
	}
	return n
}

// knownStatus returns the targets' own outcomes m without those that are
// none of success, partial, failed and timeout ("" among them), and those
// dropped, each as "<target>: <value>" in the order of the targets' names.
// An outcome is advisory (framework.ToolOutput.TargetStatus): an unknown
// one is no reason to fail the run.
func knownStatus(m map[framework.Target]framework.ExecutionStatus) (map[framework.Target]framework.ExecutionStatus, []string) {
	var unknown []framework.Target
	for t, st := range m {
		switch st {
		case framework.StatusSuccess, framework.StatusPartial, framework.StatusFailed, framework.StatusTimeout:
		default:
			unknown = append(unknown, t)
		}
	}
	if len(unknown) == 0 {
		return m, nil
	}
	kept, dropped := maps.Clone(m), make([]string, 0, len(unknown))
	for _, t := range unknown {
		dropped = append(dropped, fmt.Sprintf("%s: %q", t, m[t]))
		delete(kept, t)
	}
	slices.Sort(dropped)
	return kept, dropped
}
