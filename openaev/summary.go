package openaev

import (
	"fmt"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/injectkit/injectkit/framework"
	"github.com/injectkit/injectkit/runtime"
	"github.com/injectkit/injectkit/signatures"
)

// The human-readable messages of the trace and the terminal callback.

// NotStoredFindings ends the findings summary of a run whose terminal
// callback is not SUCCESS (ERROR, TIMEOUT): its rows are sent, and the
// platform makes no finding of them. OpenAEV 2.4.0's
// InjectorExecutionProcessingHandler.processContext returns before its
// output processors (findings, expectation signatures) unless the
// callback's status is SUCCESS and its action COMPLETE
// (ExecutionProcessingContext.isSuccess); a partial run is sent SUCCESS,
// its findings stored. The current line processes the structured output
// of every complete, whatever its status (openaevtest's rule 5): its
// messages never say it.
const NotStoredFindings = "sent, not stored as findings: the platform stores those of a SUCCESS complete only"

// completion returns the platform status and the message of a report:
// SUCCESS for a success or a partial run (the message says partial), ERROR
// for a failure, TIMEOUT for a timeout, with the detail in the message.
// Its findings summary counts the items sent, and says how many the
// profile left out and why: misfits, the values not of their output's
// type, and the findings of tooLarge, too large for the terminal callback;
// for a failure or a timeout on a platform of version v older than the
// current line, that the platform stores none of them (NotStoredFindings).
func completion(r *runtime.Report, m *framework.Manifest, v PlatformVersion, misfits []misfit, tooLarge map[string]bool) (string, string) {
	n := len(r.Targets)
	head := fmt.Sprintf("%s on %d target%s", r.Injector, n, plural(n))
	detail := ""
	if r.Output.ErrorInfo != nil && r.Output.ErrorInfo.Message != "" {
		detail = r.Output.ErrorInfo.Message
	}
	summary := findingsSummary(r.Output.Findings, m, misfits, tooLarge)
	if summary != "" && !v.Current && (r.Status == signatures.StatusFailed || r.Status == signatures.StatusTimeout) {
		summary = strings.TrimSuffix(summary, ")") + "; " + NotStoredFindings + ")"
	}
	switch r.Status {
	case signatures.StatusFailed:
		msg := head + ": failed"
		if r.Output.ErrorInfo != nil && r.Output.ErrorInfo.ExitCode != 0 {
			msg += fmt.Sprintf(" (exit code %d)", r.Output.ErrorInfo.ExitCode)
		}
		if detail != "" {
			msg += ": " + detail
		}
		return StatusError, msg + summary
	case signatures.StatusTimeout:
		partial := r.Partial
		msg := fmt.Sprintf("%s: timed out with %d partial result%s", head, len(partial), plural(len(partial)))
		if len(partial) > 0 {
			msg += ": " + list(partial, 10)
		}
		return v.TerminalStatus(StatusTimeout), msg + summary
	case signatures.StatusPartial:
		msg := head + ": partially succeeded"
		if detail != "" {
			msg += ": " + detail
		}
		return StatusSuccess, msg + summary
	}
	return StatusSuccess, head + ": succeeded" + summary
}

// findingsSummary counts the items of each declared output that is a list,
// as sent: " (scan_results: 3, ports: 2, hosts: 0)". An output some of
// whose items were left out says how many and why, whether some were
// sent or none: misfits, not of their output's type (the platform would
// refuse them, or a stricter one could), and every item still to send of
// an output of tooLarge, too large for the terminal callback: " (cves: 0
// (3 left out: not of the output's type), scan_results: 0 (40 left out:
// too large for the callback))". An output with no item is named with 0.
func findingsSummary(f map[string]any, m *framework.Manifest, misfits []misfit, tooLarge map[string]bool) string {
	if m == nil || len(f) == 0 {
		return ""
	}
	var parts []string
	for _, o := range m.Outputs {
		v, ok := f[o.Field]
		if !ok || v == nil {
			continue
		}
		rv := reflect.ValueOf(v)
		if rv.Kind() != reflect.Slice && rv.Kind() != reflect.Array {
			continue
		}
		n, misfit := rv.Len(), 0
		for _, mf := range misfits {
			if mf.field == o.Field {
				misfit++
				if mf.item < 0 {
					misfit = n // the whole value
				}
			}
		}
		misfit = min(misfit, n)
		large := 0
		if tooLarge[o.Field] {
			large = n - misfit
		}
		part := fmt.Sprintf("%s: %d", o.Field, n-misfit-large)
		if left := misfit + large; left > 0 {
			why := "not of the output's type"
			switch {
			case misfit == 0:
				why = "too large for the callback"
			case large > 0:
				why = fmt.Sprintf("%d not of the output's type and %d too large for the callback", misfit, large)
			}
			part += fmt.Sprintf(" (%d left out: %s)", left, why)
		}
		parts = append(parts, part)
	}
	if len(parts) == 0 {
		return ""
	}
	return " (" + strings.Join(parts, ", ") + ")"
}

// describeRun is the trace message: what runs on which targets, at most
// budget bytes once JSON-escaped, so that its body stays under the max
// payload size: as many target names as fit (at most 20), each once
// (labelsOnce), are listed, then "and N more"; so are the asset groups that yielded no target and the
// skipped assets (at most 10 each, in a quarter of the budget each).
func describeRun(req runtime.Request, t *Selection, budget int) string {
	values := labelsOnce(req.Targets)
	n := len(req.Targets)
	head := fmt.Sprintf("Running %s on %d target%s: ", req.Injector, n, plural(n))
	var tail string
	if t != nil && t.Selector == SelectorAssetGroups && len(t.Groups) > 0 {
		tail += " (asset groups " + strings.Join(t.Groups, ", ") + ")"
	}
	if t != nil && len(t.Barren) > 0 {
		const prefix = "; "
		tail += prefix + fitListSep(t.Barren, "; ", 10, budget/4-len(prefix))
	}
	if t != nil && len(t.Skipped) > 0 {
		const prefix = "; skipped: "
		tail += prefix + fitListSep(t.Skipped, "; ", 10, budget/4-len(prefix))
	}
	msg := head + fitList(values, 20, budget-escapedLenString(head)-escapedLenString(tail)) + tail
	// Group names too long for the budget: cut.
	return truncateEscaped(msg, budget)
}

// labelsOnce names targets, each name once, in the order first met: a
// name several targets share (two assets of one address) says how many
// ("198.18.0.1 (2 targets)").
func labelsOnce(targets []runtime.TargetSpec) []string {
	var order []string
	count := make(map[string]int, len(targets))
	for _, s := range targets {
		l := targetLabel(s)
		if count[l] == 0 {
			order = append(order, l)
		}
		count[l]++
	}
	for i, l := range order {
		if n := count[l]; n > 1 {
			order[i] = fmt.Sprintf("%s (%d targets)", l, n)
		}
	}
	return order
}

// fitList is list(items, max) with as many items as fit in budget bytes
// once JSON-escaped, " and N more" included; none listed says how many.
func fitList(items []string, max, budget int) string {
	return fitListSep(items, ", ", max, budget)
}

// fitListSep is fitList with items joined by sep; a list joined by "; "
// ends in "; and N more".
func fitListSep(items []string, sep string, max, budget int) string {
	and := " and "
	if sep != ", " {
		and = sep + "and "
	}
	for n := min(len(items), max); n > 0; n-- {
		s := strings.Join(items[:n], sep)
		if more := len(items) - n; more > 0 {
			s += and + fmt.Sprintf("%d more", more)
		}
		if escapedLenString(s) <= budget {
			return s
		}
	}
	return fmt.Sprintf("%d not listed (too long)", len(items))
}

func targetLabel(s runtime.TargetSpec) string {
	switch {
	case s.Query != "":
		if on := s.TargetIPv4 + s.TargetHostname; on != "" {
			return "query " + strconv.Quote(s.Query) + " on " + signatures.CanonicalTarget(on)
		}
		return "query " + strconv.Quote(s.Query)
	case s.CloudProvider != "" || s.CloudAccountID != "":
		label := s.CloudProvider + ":" + s.CloudAccountID + ":" + s.CloudRegion
		if s.TargetService != "" {
			label += ":" + s.TargetService
		}
		return label
	}
	for _, v := range []string{s.Value, s.TargetIPv4, s.TargetIPv6, s.TargetHostname} {
		if v != "" {
			// As the results and the per-target traces name it.
			return signatures.CanonicalTarget(v)
		}
	}
	return "(empty)"
}

// skipListMax and skipListBudget bound a list of what an inject skipped
// (assets, asset groups that gave no target) in a reason or a log field:
// the first skipListMax items, in at most skipListBudget bytes once
// JSON-escaped, then how many more. Such a list grows with the message
// (1 MiB of unusable assets named them in 225 KB) and log pipelines cut
// or drop long lines (journald's LineMax 48K, Docker's 16K).
const (
	skipListMax    = 10
	skipListBudget = 2048
)

// skipList joins items with "; " within the bounds above.
func skipList(items []string) string {
	return fitListSep(items, "; ", skipListMax, skipListBudget)
}

// list joins at most max items and says how many were left out.
func list(items []string, max int) string {
	if len(items) <= max {
		return strings.Join(items, ", ")
	}
	return strings.Join(items[:max], ", ") + fmt.Sprintf(" and %d more", len(items)-max)
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

// maxReasonNamed bounds, in bytes, each reason unreachedSummary quotes.
const maxReasonNamed = 200

// unreachedSummary names the targets the executor did not reach, each with
// why, the first 10: "; not reached: nosuchhost.invalid (not scanned: the
// name does not resolve)"; "" when it reached them all.
func unreachedSummary(r *runtime.Report) string {
	var parts []string
	for i, why := range r.Unreached() {
		parts = append(parts, frameworkTargetLabel(r.Targets[i])+" ("+truncateEscaped(why, maxReasonNamed)+")")
	}
	if len(parts) == 0 {
		return ""
	}
	return "; not reached: " + list(parts, 10)
}

// unreachedLabels returns the targets the executor did not reach, as
// unreachedSummary names them; nil when it reached them all.
func unreachedLabels(r *runtime.Report) map[string]bool {
	var out map[string]bool
	for i := range r.Unreached() {
		if out == nil {
			out = map[string]bool{}
		}
		out[frameworkTargetLabel(r.Targets[i])] = true
	}
	return out
}

// undeclaredSummary summarises the findings the manifest does not declare
// as outputs, which the structured output leaves out: never dropped
// without a word. "; not declared as outputs: banner "SSH-2.0", hosts (3
// items)"; "" when every finding is declared, or none is (all are sent).
// A list naming targets not reached (unreached, unreachedLabels'), which
// unreachedSummary names with why, is not named again: nmap's
// unscanned_targets of those alone is left out, one with others counts
// them alone ("(1 item besides those not reached)").
func undeclaredSummary(f map[string]any, m *framework.Manifest, unreached map[string]bool) string {
	declared := outputFields(m)
	if len(declared) == 0 || len(f) == 0 {
		return ""
	}
	keys := make([]string, 0, len(f))
	for k := range f {
		if _, ok := declared[k]; !ok {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	var parts []string
	for _, k := range keys {
		d := describeFinding(f[k])
		if named, rest := namesOf(f[k], unreached); named > 0 {
			if rest == 0 {
				continue // said once, in "not reached"
			}
			d = fmt.Sprintf("(%d item%s besides those not reached)", rest, plural(rest))
		}
		if d != "" {
			parts = append(parts, k+" "+d)
		}
	}
	if len(parts) == 0 {
		return ""
	}
	return "; not declared as outputs: " + list(parts, 10)
}

// namesOf counts the items of v, a list of strings, that are names of
// set (named) and those that are not (rest); 0, 0 for another value.
func namesOf(v any, set map[string]bool) (named, rest int) {
	rv := reflect.ValueOf(v)
	if len(set) == 0 || !rv.IsValid() || (rv.Kind() != reflect.Slice && rv.Kind() != reflect.Array) {
		return 0, 0
	}
	for i := range rv.Len() {
		e := rv.Index(i)
		if e.Kind() == reflect.Interface {
			e = e.Elem()
		}
		if e.IsValid() && e.Kind() == reflect.String && set[e.String()] {
			named++
		} else {
			rest++
		}
	}
	return named, rest
}

// describeFinding says briefly what a finding holds: (3 items), (2
// entries), a quoted string, a value; "" for an empty one.
func describeFinding(v any) string {
	rv := reflect.ValueOf(v)
	if !rv.IsValid() {
		return ""
	}
	switch rv.Kind() {
	case reflect.Slice, reflect.Array:
		if rv.Len() == 0 {
			return ""
		}
		return fmt.Sprintf("(%d item%s)", rv.Len(), plural(rv.Len()))
	case reflect.Map:
		if rv.Len() == 0 {
			return ""
		}
		return fmt.Sprintf("(%d entr%s)", rv.Len(), map[bool]string{true: "y", false: "ies"}[rv.Len() == 1])
	case reflect.String:
		if rv.Len() == 0 {
			return ""
		}
		s := rv.String()
		if len(s) > 60 {
			cut := 60
			for cut > 0 && !utf8.RuneStart(s[cut]) {
				cut--
			}
			s = s[:cut] + "…"
		}
		return strconv.Quote(s)
	case reflect.Pointer, reflect.Interface:
		if rv.IsNil() {
			return ""
		}
		return describeFinding(rv.Elem().Interface())
	case reflect.Struct:
		return "(an object)"
	}
	if s, ok := scalar(v); ok {
		return s
	}
	return fmt.Sprint(v)
}
