package runtime

import (
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"

	"go.uber.org/zap"

	"github.com/injectkit/injectkit/framework"
	"github.com/injectkit/injectkit/signatures"
)

// unencodable returns out without the extras and the findings JSON
// cannot encode (signatures.ExtraValueError: NaN, ±Inf, a chan…), the maps
// it changes copied, and the errors naming each one left out (key and
// value).
func unencodable(out framework.ToolOutput) (framework.ToolOutput, []error) {
	var errs []error
	var bad []error
	out.Findings, errs = signatures.UnencodableExtras("findings", out.Findings)
	out.ExtraSignatures, bad = signatures.UnencodableExtras("extra_signatures", out.ExtraSignatures)
	errs = append(errs, bad...)
	byType, bad := typeExtras("extra_by_type", out.ExtraByType)
	if len(bad) > 0 {
		out.ExtraByType, errs = byType, append(errs, bad...)
	}
	// Named only when one holds what JSON cannot encode: naming each of a
	// million targets would cost more than checking them.
	var badTargets []framework.Target
	for t, te := range out.TargetExtras {
		if _, bad := typeExtras("", te); len(bad) > 0 {
			badTargets = append(badTargets, t)
		}
	}
	if len(badTargets) > 0 {
		names := make(map[framework.Target]string, len(badTargets))
		for _, t := range badTargets {
			names[t] = t.String()
		}
		slices.SortFunc(badTargets, func(a, b framework.Target) int { return strings.Compare(names[a], names[b]) })
		targets := maps.Clone(out.TargetExtras)
		for _, t := range badTargets {
			te, bad := typeExtras("target_extras["+names[t]+"]", targets[t])
			targets[t], errs = te, append(errs, bad...)
		}
		out.TargetExtras = targets
	}
	return out, errs
}

// typeExtras is unencodable over the per-type extras te, named where.
func typeExtras(where string, te framework.TypeExtras) (framework.TypeExtras, []error) {
	types := make([]string, 0, len(te))
	for typ := range te {
		types = append(types, string(typ))
	}
	sort.Strings(types)
	var errs []error
	var kept framework.TypeExtras
	for _, typ := range types {
		m, bad := signatures.UnencodableExtras(where+"."+typ, te[framework.ExpectationType(typ)])
		if len(bad) == 0 {
			continue
		}
		if kept == nil {
			kept = make(framework.TypeExtras, len(te))
			for k, v := range te {
				kept[k] = v
			}
		}
		kept[framework.ExpectationType(typ)], errs = m, append(errs, bad...)
	}
	if kept == nil {
		return te, nil
	}
	return kept, errs
}

// errorsNamed is the most of the errors of an executor's output a
// message or a log line names (failedFor, unencodableFields), the rest
// counted: one per target whose extras JSON cannot encode, 10 000 targets
// made a message of 1 MB, a line log pipelines cut or drop.
const errorsNamed = 10

// unencodableFields are the fields of the ERROR line saying what errs
// left out: the first errorsNamed, and how many more.
func unencodableFields(errs []error) []zap.Field {
	if len(errs) <= errorsNamed {
		return []zap.Field{zap.Errors("errors", errs)}
	}
	return []zap.Field{zap.Errors("errors", errs[:errorsNamed]), zap.Int("errors_not_named", len(errs)-errorsNamed)}
}

// failedFor makes out a failed outcome for the malformed parts errs,
// everything else kept: the exit code (1 when there was none), the
// executor's message after the errors.
func failedFor(out framework.ToolOutput, errs []error) framework.ToolOutput {
	msgs := make([]string, len(errs))
	for i, err := range errs {
		msgs[i] = err.Error()
	}
	info := framework.ErrorInfo{ExitCode: 1}
	if out.ErrorInfo != nil {
		info = *out.ErrorInfo
		if info.ExitCode == 0 {
			info.ExitCode = 1
		}
	}
	msg := "invalid executor output: " + strings.Join(msgs[:min(len(msgs), errorsNamed)], "; ")
	if more := len(msgs) - errorsNamed; more > 0 {
		msg += fmt.Sprintf("; and %d more", more)
	}
	if info.Message != "" {
		msg += "; " + info.Message
	}
	info.Message = msg
	out.Status, out.ErrorInfo = framework.StatusFailed, &info
	return out
}
