package frameworktest

import (
	"fmt"
	"reflect"
	"strings"

	"github.com/injectkit/injectkit/framework"
	"github.com/injectkit/injectkit/signatures"
)

// handed is an inject's targets as the runtime keeps them from before
// Execute, which may write to in.Targets: each target's key
// (framework.Target.ExtrasKey, a pointer configuration's value copied),
// and the pointer configurations handed, by identity (runtime's
// handedKeys).
type handed struct {
	keys []framework.Target
	at   map[signatures.Config]int
}

// handOver takes the keys of targets, before they are handed to Execute.
func handOver(targets []framework.Target) handed {
	h := handed{keys: make([]framework.Target, len(targets))}
	for i, t := range targets {
		h.keys[i] = t.ExtrasKey()
		switch t.Config.(type) {
		case *signatures.NetworkConfig, *signatures.CloudConfig, *signatures.ExternalConfig:
			if h.at == nil {
				h.at = make(map[signatures.Config]int)
			}
			h.at[t.Config] = i
		}
	}
	return h
}

// ownCopy returns a configuration given as a pointer as a pointer to a
// copy of its value, so that each inject is handed its own, as the
// runtime hands each run its own: what one Execute writes there would
// otherwise hide the next one's write from the ReadsTargetsOnly check and
// change the caller's Options.Targets.
func ownCopy(cfg signatures.Config) signatures.Config {
	switch c := cfg.(type) {
	case *signatures.NetworkConfig:
		if c != nil {
			v := *c
			return &v
		}
	case *signatures.CloudConfig:
		if c != nil {
			v := *c
			return &v
		}
	case *signatures.ExternalConfig:
		if c != nil {
			v := *c
			return &v
		}
	}
	return cfg
}

// changed returns an error for each target of targets that is no longer
// as it was handed (its configuration's value or its attribution), or one
// saying the slice's length changed; none when nothing did.
func (h handed) changed(targets []framework.Target) []error {
	if len(targets) != len(h.keys) {
		return []error{fmt.Errorf("Execute left %d targets of the %d it was handed", len(targets), len(h.keys))}
	}
	var errs []error
	for i, t := range targets {
		if k := t.ExtrasKey(); k != h.keys[i] {
			errs = append(errs, fmt.Errorf("Execute changed target %d from %+v to %+v", i, h.keys[i], k))
		}
	}
	return errs
}

// keyOf returns the target a TargetExtras key names, as the runtime reads
// it: a handed pointer names its target as it was handed (whatever Execute
// wrote there since), with the key's attribution; any other key is its
// ExtrasKey.
func (h handed) keyOf(k framework.Target) framework.Target {
	if i, ok := h.at[k.Config]; ok {
		return framework.Target{Config: h.keys[i].Config, Attribution: k.Attribution}
	}
	return k.ExtrasKey()
}

// extrasErrors lists the extras and findings the runtime would reject or
// drop: empty extra keys, extra keys of core signature fields or of their
// platform types, or of another extra of the map in another case
// (signatures.ExtrasErrors), values JSON cannot encode
// (signatures.ExtraValueError), extras under a key that is no expectation
// type, target extras of no target (matched as the runtime matches them,
// by framework.Target.ExtrasKey), a target keyed twice with different
// extras, a target not reached (Unreached) or an outcome (TargetStatus) keyed by
// no target, an outcome that is none of success, partial, failed and
// timeout. The targets are h's, taken before Execute ran, as the runtime
// takes them.
func extrasErrors(out framework.ToolOutput, h handed) []error {
	var errs []error
	targets := h.keys
	given := make(map[framework.Target]bool, len(targets)) // as the runtime matches keys
	for _, tg := range targets {
		given[tg] = true
	}
	checkValues := func(where string, m map[string]any) {
		for k, v := range m {
			if value, reason := signatures.ExtraValueError(v); reason != "" {
				if value != "" {
					reason = fmt.Sprintf("value %q %s", value, reason)
				}
				errs = append(errs, fmt.Errorf("%s key %q: %s (the runtime leaves it out and fails the run)", where, k, reason))
			}
		}
	}
	check := func(where string, m map[string]any) {
		for k, reason := range signatures.ExtrasErrors(m) {
			errs = append(errs, fmt.Errorf("%s key %q: %s", where, k, reason))
		}
		checkValues(where, m)
	}
	checkValues("Findings", out.Findings)
	check("ExtraSignatures", out.ExtraSignatures)
	const types = "is no expectation type (want framework.Detection, Prevention or Vulnerability; the runtime sends no per-type or per-target extra)"
	for typ, m := range out.ExtraByType {
		if !typ.Valid() {
			errs = append(errs, fmt.Errorf("ExtraByType key %q %s", typ, types))
		}
		check(fmt.Sprintf("ExtraByType[%s]", typ), m)
	}
	named := make(map[framework.Target]framework.TypeExtras, len(out.TargetExtras))
	twice := map[framework.Target]bool{}
	for tg, te := range out.TargetExtras {
		name := tg.String()
		key := h.keyOf(tg)
		if prev, ok := named[key]; ok && !twice[key] && !reflect.DeepEqual(prev, te) {
			twice[key] = true
			errs = append(errs, fmt.Errorf("TargetExtras keys name target %s twice, with different extras (a pointer configuration and its value, or two pointers to one value): the runtime sends none of the per-target extras", key))
		}
		named[key] = te
		if !given[key] {
			errs = append(errs, fmt.Errorf("TargetExtras key %s is not one of the inject's %d targets (key them by in.Targets[i], with its attribution: %s)", name, len(targets), list(targets)))
		}
		for typ, m := range te {
			if !typ.Valid() {
				errs = append(errs, fmt.Errorf("TargetExtras[%s] key %q %s", name, typ, types))
			}
			check(fmt.Sprintf("TargetExtras[%s][%s]", name, typ), m)
		}
	}
	for tg := range out.Unreached {
		if !given[h.keyOf(tg)] {
			errs = append(errs, fmt.Errorf("Unreached key %s is not one of the inject's %d targets (the runtime ignores it, and the target meant keeps its signatures; key them by in.Targets[i], with its attribution: %s)",
				tg, len(targets), list(targets)))
		}
	}
	for tg, st := range out.TargetStatus {
		if !given[h.keyOf(tg)] {
			errs = append(errs, fmt.Errorf("TargetStatus key %s is not one of the inject's %d targets (the runtime ignores it, and the target meant has no outcome of its own; key them by in.Targets[i], with its attribution: %s)",
				tg, len(targets), list(targets)))
		}
		switch st {
		case framework.StatusSuccess, framework.StatusPartial, framework.StatusFailed, framework.StatusTimeout:
		default:
			errs = append(errs, fmt.Errorf("TargetStatus[%s] is %q, no outcome (want success, partial, failed or timeout; the runtime drops the entry and logs it)", tg, st))
		}
	}
	return errs
}

// list names up to three targets.
func list(targets []framework.Target) string {
	names := make([]string, 0, 3)
	for i, tg := range targets {
		if i == 3 {
			names = append(names, fmt.Sprintf("and %d more", len(targets)-3))
			break
		}
		names = append(names, tg.String())
	}
	return strings.Join(names, ", ")
}
