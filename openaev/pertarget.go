package openaev

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"reflect"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"

	"go.uber.org/zap"

	"github.com/injectkit/injectkit/framework"
	"github.com/injectkit/injectkit/runtime"
	"github.com/injectkit/injectkit/signatures"
)

// maxTargetTrace bounds the message of a per-target trace.
const maxTargetTrace = 1 << 10

// targetTraces returns the sending of r's per-target traces on a platform
// of version v (sendTargetTraces), once however often it is called (a
// result retried with the outbox full); nil when there are none: 2.4.x
// gets none (it has no per-target view), nor a run without a target that
// has an asset. They precede the terminal callback on the wire, as the
// platform's own injectors send them, once the outbox stored it (see
// Bodies). They count the findings of sent only, those the terminal
// callback carries.
func (p *Profile) targetTraces(r *runtime.Report, m *framework.Manifest, v PlatformVersion, sent map[string]bool) func(context.Context) {
	if !v.Current || !slices.ContainsFunc(r.Targets, func(t framework.Target) bool { return t.Attribution.Asset != "" }) {
		return nil
	}
	var once sync.Once
	return func(ctx context.Context) { once.Do(func() { p.sendTargetTraces(ctx, r, m, sent) }) }
}

// sendTargetTraces sends one INFO command_execution trace per target
// that has an asset, its execution_context_identifiers naming the asset,
// as the platform's own injectors fill its per-target view: what ran on
// the target, its outcome (targetOutcome; an ERROR trace when it failed
// of its own) and its findings of sent; an ERROR one naming
// the target and why for a target the executor did not reach ("nmap on
// nosuchhost.invalid: not scanned: the name does not resolve") (those the terminal
// callback carries: one it leaves out is not counted). They are traces:
// their loss is logged, not fatal, and the first failure stops the others
// (its retries ran out: the platform is unlikely to take the next trace,
// and each would wait through its own retries before the terminal
// callback, which carries the outcome and the signatures). The WARN counts
// the traces sent, the one failed and those skipped.
func (p *Profile) sendTargetTraces(ctx context.Context, r *runtime.Report, m *framework.Manifest, sent map[string]bool) {
	var lists map[string][]any
	notReached, own, extras := maps.Collect(r.Unreached()), maps.Collect(r.TargetStatuses()), maps.Collect(r.AllTargetExtras())
	done, total := 0, 0
	for _, t := range r.Targets {
		if t.Attribution.Asset != "" {
			total++
		}
	}
	for i, t := range r.Targets {
		if t.Attribution.Asset == "" {
			continue
		}
		if lists == nil {
			lists = findingLists(r.Output.Findings, m)
			maps.DeleteFunc(lists, func(k string, _ []any) bool { return !sent[k] })
		}
		e := Execution{Message: targetMessage(r, m, i, own[i], extras[i], lists), Status: StatusInfo, Action: ActionCommandExecution,
			ContextIdentifiers: []string{t.Attribution.Asset}}
		if own[i] == signatures.StatusFailed {
			e.Status = StatusError // it failed of its own
		}
		if why := notReached[i]; why != "" {
			// Nothing went to it: an error of its own, whatever the run's.
			e.Message, e.Status = truncateEscaped(fmt.Sprintf("%s on %s: %s", r.Injector, frameworkTargetLabel(t), why), maxTargetTrace), StatusError
		}
		if err := p.client.Callback(ctx, r.InjectID, e); err != nil {
			// A lost trace loses nothing the terminal callback does not carry.
			p.log.Warn("per-target traces not delivered: the first failure stops the others", injectField(ctx, r.InjectID),
				zap.Int("sent", done), zap.Int("failed", 1), zap.Int("skipped", total-done-1), zap.Error(err))
			return
		}
		done++
	}
}

// targetMessage says what ran on target i, its outcome (own: its own,
// runtime.Report.TargetStatus) and the findings attributed to it, its
// extras (te: runtime.Report.TargetExtras) among them: "nmap on 192.0.2.7:
// succeeded; scan_results: 2; ports_discovered: 22, 80" (see
// targetOutcome).
func targetMessage(r *runtime.Report, m *framework.Manifest, i int, own framework.ExecutionStatus, te framework.TypeExtras, lists map[string][]any) string {
	t := r.Targets[i]
	label := frameworkTargetLabel(t)
	msg := fmt.Sprintf("%s on %s: %s", r.Injector, label, targetOutcome(r, own))
	extras := targetExtras(te)
	var parts []string
	for _, k := range findingOrder(lists, m) {
		if _, listed := extras[k]; listed {
			continue // the target's extra of that name lists the values themselves
		}
		if n := attributed(lists[k], t.Attribution.Asset, label); n > 0 {
			parts = append(parts, fmt.Sprintf("%s: %d", k, n))
		}
	}
	for _, name := range slices.Sorted(maps.Keys(extras)) {
		parts = append(parts, name+": "+extras[name])
	}
	if len(parts) > 0 {
		msg += "; " + strings.Join(parts, "; ")
	}
	return truncateEscaped(msg, maxTargetTrace)
}

// targetOutcome says the outcome of a reached target: own, its own
// (runtime.Report.TargetStatus), when the executor gave it; succeeded in a
// successful run, every target of which succeeded; else none is claimed,
// the run's said: "no outcome of its own reported (the run partially
// succeeded)".
func targetOutcome(r *runtime.Report, own framework.ExecutionStatus) string {
	if own != "" {
		return outcomeWords(own)
	}
	if r.Status == signatures.StatusSuccess || r.Status == "" {
		return outcomeWords(signatures.StatusSuccess)
	}
	return "no outcome of its own reported (the run " + outcomeWords(r.Status) + ")"
}

func outcomeWords(s signatures.ExecutionStatus) string {
	switch s {
	case signatures.StatusFailed:
		return "failed"
	case signatures.StatusTimeout:
		return "timed out"
	case signatures.StatusPartial:
		return "partially succeeded"
	}
	return "succeeded"
}

// frameworkTargetLabel names a target as the platform's user knows it.
func frameworkTargetLabel(t framework.Target) string {
	if nc, ok := t.Network(); ok {
		return nc.Value()
	}
	if ec, ok := t.External(); ok {
		if on := ec.TargetIPv4 + ec.TargetHostname; on != "" {
			return on
		}
		return "query " + strconv.Quote(ec.Query)
	}
	if cc, ok := t.Cloud(); ok {
		// As the run's summary names it (targetLabel): the service too.
		label := cc.CloudProvider + ":" + cc.CloudAccountID + ":" + cc.CloudRegion
		if cc.TargetService != "" {
			label += ":" + cc.TargetService
		}
		return label
	}
	return "its target"
}

// findingLists decodes the findings that are lists (of the declared
// outputs, or every finding when none is declared), generically.
func findingLists(f map[string]any, m *framework.Manifest) map[string][]any {
	declared := outputFields(m)
	out := map[string][]any{}
	for k, v := range f {
		if _, ok := declared[k]; len(declared) > 0 && !ok {
			continue
		}
		if rv := reflect.ValueOf(v); !rv.IsValid() || (rv.Kind() != reflect.Slice && rv.Kind() != reflect.Array) || rv.Len() == 0 {
			continue
		}
		b, err := json.Marshal(v)
		if err != nil {
			continue
		}
		d := json.NewDecoder(bytes.NewReader(b))
		d.UseNumber()
		var list []any
		if d.Decode(&list) == nil {
			out[k] = list
		}
	}
	return out
}

// findingOrder returns the keys of lists in the manifest's output order,
// then sorted.
func findingOrder(lists map[string][]any, m *framework.Manifest) []string {
	var keys []string
	seen := map[string]bool{}
	if m != nil {
		for _, o := range m.Outputs {
			if _, ok := lists[o.Field]; ok && !seen[o.Field] {
				keys, seen[o.Field] = append(keys, o.Field), true
			}
		}
	}
	var rest []string
	for k := range lists {
		if !seen[k] {
			rest = append(rest, k)
		}
	}
	sort.Strings(rest)
	return append(keys, rest...)
}

// attributed counts the items of a finding list about a target: scalars
// equal to its value, and objects naming it by the most precise fields
// they hold. A row naming an asset (asset_id, one id or a list, as the
// complete attributes it) is the target's only when that is the target's
// asset (a target without an asset has none to compare), and a row naming a target (nmap's row of one target) only when
// that is the target's value; both must hold when the row names both. A
// row naming neither is the target's by its host, hostname, ip or
// address. So assets sharing a value (agents behind one NAT, two
// endpoints both named localhost) each count their own rows, as do
// localhost and 127.0.0.1 on one host.
func attributed(items []any, asset, value string) int {
	n := 0
	for _, it := range items {
		switch x := it.(type) {
		case string:
			if x == value {
				n++
			}
		case map[string]any:
			if rowOf(x, asset, value) {
				n++
			}
		}
	}
	return n
}

// rowOf reports whether the finding row x is about the target of asset
// and value (see attributed).
func rowOf(x map[string]any, asset, value string) bool {
	ids, byAsset := rowAssets(x["asset_id"])
	t, byTarget := x["target"].(string)
	byTarget = byTarget && t != ""
	if byAsset && asset != "" && !slices.Contains(ids, asset) {
		return false
	}
	if byTarget {
		return t == value
	}
	if byAsset {
		return asset != ""
	}
	for _, k := range []string{"host", "hostname", "ip", "address"} {
		if s, ok := x[k].(string); ok && s == value {
			return true
		}
	}
	return false
}

// rowAssets returns the asset ids a row's asset_id names, one id or a
// list of them, and whether it names any.
func rowAssets(v any) ([]string, bool) {
	switch a := v.(type) {
	case string:
		return []string{a}, a != ""
	case []any:
		var ids []string
		for _, e := range a {
			if s, ok := e.(string); ok && s != "" {
				ids = append(ids, s)
			}
		}
		return ids, len(ids) > 0
	}
	return nil, false
}

// targetExtras renders a target's extras of every expectation type, each
// name once, by name: "ports_discovered" → "22, 80"; a map by key, sorted:
// "cloud_api_calls_other_regions" → "us-east-1: iam.amazonaws.com:ListUsers".
func targetExtras(te framework.TypeExtras) map[string]string {
	vals := map[string]string{}
	for _, extras := range te {
		for name, v := range extras {
			if _, done := vals[name]; done {
				continue
			}
			s, ok := scalarList(v)
			if !ok {
				s, ok = scalarMap(v)
			}
			if ok && s != "" {
				vals[name] = s
			}
		}
	}
	return vals
}

// maxTraceItems bounds the items of a list, or the keys of a map, a trace
// names; the rest are counted.
const maxTraceItems = 20

// scalarList renders a scalar, or a list of scalars joined with ", ".
func scalarList(v any) (string, bool) {
	if s, ok := scalar(v); ok {
		return s, true
	}
	rv := reflect.ValueOf(v)
	if !rv.IsValid() || (rv.Kind() != reflect.Slice && rv.Kind() != reflect.Array) {
		return "", false
	}
	parts := make([]string, 0, rv.Len())
	for i := range rv.Len() {
		s, ok := scalar(rv.Index(i).Interface())
		if !ok {
			return "", false
		}
		parts = append(parts, s)
	}
	return list(parts, maxTraceItems), true
}

// scalarMap renders a map of string keys whose values are scalars or lists
// of scalars (see scalarList), by key, sorted, each "key: values", joined
// with " | "; keys whose values are empty are left out.
func scalarMap(v any) (string, bool) {
	rv := reflect.ValueOf(v)
	if !rv.IsValid() || rv.Kind() != reflect.Map || rv.Type().Key().Kind() != reflect.String {
		return "", false
	}
	byKey := make(map[string]string, rv.Len())
	for it := rv.MapRange(); it.Next(); {
		x := it.Value().Interface()
		if x == nil {
			continue
		}
		s, ok := scalarList(x)
		if !ok {
			return "", false
		}
		if s != "" {
			byKey[it.Key().String()] = s
		}
	}
	keys := slices.Sorted(maps.Keys(byKey))
	n := min(len(keys), maxTraceItems)
	parts := make([]string, 0, n)
	for _, k := range keys[:n] {
		parts = append(parts, k+": "+byKey[k])
	}
	s := strings.Join(parts, " | ")
	if more := len(keys) - n; more > 0 {
		s += fmt.Sprintf(" and %d more", more)
	}
	return s, true
}
