package runtime

import (
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

// unreachedAt lays the reasons of m (keyed as unreachedKeys keys them) out
// by position over targets, "" for a target reached; nil when none was
// not. It returns the keys naming no target too, as Target.String names
// them, sorted: they are ignored.
func unreachedAt(m map[framework.Target]string, targets []framework.Target) ([]string, []string) {
	if len(m) == 0 {
		return nil, nil
	}
	var out []string
	found := make(map[framework.Target]bool, len(m))
	for i, t := range targets {
		k := t.ExtrasKey()
		if why, ok := m[k]; ok {
			if out == nil {
				out = make([]string, len(targets))
			}
			out[i], found[k] = why, true
		}
	}
	var stray []string
	for k := range m {
		if !found[k] {
			stray = append(stray, k.String())
		}
	}
	slices.Sort(stray)
	return out, stray
}

// noneReached reports whether every target of a run is in notReached
// (unreachedAt's).
func noneReached(notReached []string) bool {
	return len(notReached) > 0 && countNotReached(notReached) == len(notReached)
}

// failedUnreached makes out, a run none of whose targets was reached, a
// failed one (unless it is already): its exit code and crash time kept,
// its message after "no target was reached".
func failedUnreached(out framework.ToolOutput) framework.ToolOutput {
	if out.ExecutionStatus() == framework.StatusFailed {
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
// notReached (unreachedAt's); none when it is nil.
func notReachedOption(notReached []string) signatures.PostOption {
	if notReached == nil {
		return signatures.NotReached(nil)
	}
	return signatures.NotReached(func(i int) string { return notReached[i] })
}

// countNotReached counts the targets of notReached (unreachedAt's).
func countNotReached(notReached []string) int {
	n := 0
	for _, why := range notReached {
		if why != "" {
			n++
		}
	}
	return n
}
