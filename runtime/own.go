package runtime

import "github.com/injectkit/injectkit/framework"

// ownOutput returns the runtime's own copy of what Execute returned, taken
// the moment it returns, before anything reads it: its ErrorInfo, its
// maps and, within their values, the lists and objects JSON decodes to
// ([]any, []string, map[string]any), so that an executor still writing
// in them (a goroutine it left running) changes nothing reported. Values
// of other types are kept as they are: the output is the runtime's once
// returned (see framework.Executor). Only the output's maps and lists are
// copied, never the targets; a nil map stays nil.
func ownOutput(out framework.ToolOutput) framework.ToolOutput {
	if out.ErrorInfo != nil {
		info := *out.ErrorInfo
		out.ErrorInfo = &info
	}
	out.ExtraSignatures = ownMap(out.ExtraSignatures, 0)
	out.Findings = ownMap(out.Findings, 0)
	out.ExtraByType = ownTypeExtras(out.ExtraByType)
	if out.TargetExtras != nil {
		targets := make(map[int]framework.TypeExtras, len(out.TargetExtras))
		for i, te := range out.TargetExtras {
			targets[i] = ownTypeExtras(te)
		}
		out.TargetExtras = targets
	}
	return out
}

func ownTypeExtras(te framework.TypeExtras) framework.TypeExtras {
	if te == nil {
		return nil
	}
	out := make(framework.TypeExtras, len(te))
	for t, m := range te {
		out[t] = ownMap(m, 0)
	}
	return out
}

// maxOwnDepth is how deep ownOutput copies nested lists and objects: a
// value that holds itself (which JSON cannot encode, and the runtime
// leaves out) is copied that far, not forever.
const maxOwnDepth = 64

func ownMap(m map[string]any, depth int) map[string]any {
	if m == nil {
		return nil
	}
	out := make(map[string]any, len(m))
	for k, v := range m {
		out[k] = ownValue(v, depth+1)
	}
	return out
}

// ownValue returns a copy of v, at depth within the output, when it is a
// list or an object, its items copied alike; v itself otherwise, or
// deeper than maxOwnDepth.
func ownValue(v any, depth int) any {
	if depth > maxOwnDepth {
		return v
	}
	switch x := v.(type) {
	case []string:
		if x == nil {
			return x
		}
		return append([]string(nil), x...)
	case []any:
		if x == nil {
			return x
		}
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = ownValue(e, depth+1)
		}
		return out
	case map[string]any:
		return ownMap(x, depth)
	}
	return v
}
