package framework

import (
	"cmp"
	"encoding/json"
	"fmt"
	"net/netip"
	"slices"
)

// targetExtras is one entry of ToolOutput.TargetExtras as JSON writes it.
type targetExtras struct {
	Target json.RawMessage `json:"target"`
	Extras json.RawMessage `json:"extras"`
}

// unreached is one entry of ToolOutput.Unreached as JSON writes it.
type unreached struct {
	Target json.RawMessage `json:"target"`
	Reason string          `json:"reason"`
}

// targetStatus is one entry of ToolOutput.TargetStatus as JSON writes it.
type targetStatus struct {
	Target json.RawMessage `json:"target"`
	Status ExecutionStatus `json:"status"`
}

// targetAddresses is one entry of ToolOutput.TargetAddresses as JSON
// writes it.
type targetAddresses struct {
	Target    json.RawMessage `json:"target"`
	Addresses []netip.Addr    `json:"addresses"`
}

// MarshalJSON encodes the output as encoding/json encodes its fields, but
// for TargetExtras, Unreached, TargetStatus and TargetAddresses, whose
// keys (targets) a JSON object cannot hold: Unreached is a list of
// {"target": …, "reason": …}, TargetStatus of {"target": …, "status": …},
// TargetAddresses of {"target": …, "addresses": […]} (each left out when
// nil), TargetExtras
// a list of {"target": …, "extras": …}, the target as Target.String
// writes it, in the order of those texts, then (for targets written alike:
// a pointer configuration and its value, two kinds of configuration with
// the same fields) of their configurations' Go types, then of their
// extras' JSON, so that an output encodes to the same bytes every time. It
// serves the tests and logs of an executor; the runtime never sends an
// output as it is.
func (o ToolOutput) MarshalJSON() ([]byte, error) {
	type fields ToolOutput // the same fields, without this method
	list, err := byTarget(o.TargetExtras, func(t Target, text json.RawMessage, te TypeExtras) (targetExtras, string, error) {
		extras, err := json.Marshal(te)
		if err != nil {
			return targetExtras{}, "", fmt.Errorf("target extras of %s: %w", t, err)
		}
		return targetExtras{Target: text, Extras: extras}, string(extras), nil
	})
	if err != nil {
		return nil, err
	}
	gone, _ := byTarget(o.Unreached, func(_ Target, text json.RawMessage, why string) (unreached, string, error) {
		return unreached{Target: text, Reason: why}, why, nil
	})
	own, _ := byTarget(o.TargetStatus, func(_ Target, text json.RawMessage, st ExecutionStatus) (targetStatus, string, error) {
		return targetStatus{Target: text, Status: st}, string(st), nil
	})
	addrs, _ := byTarget(o.TargetAddresses, func(_ Target, text json.RawMessage, a []netip.Addr) (targetAddresses, string, error) {
		return targetAddresses{Target: text, Addresses: a}, fmt.Sprint(a), nil
	})
	return json.Marshal(struct {
		fields
		TargetExtras    []targetExtras
		Unreached       []unreached       `json:",omitempty"` // as before it was a field: none, not written
		TargetStatus    []targetStatus    `json:",omitempty"`
		TargetAddresses []targetAddresses `json:",omitempty"`
	}{fields(o), list, gone, own, addrs})
}

// byTarget lists the entries entry makes of m's targets and values (nil
// for a nil map, none for an empty one), given each target and its text
// (Target.String), in the order of those texts, then of the targets'
// configurations' Go types, then of the tie entry returns, the text of the
// value; the first error entry returns stops it.
func byTarget[V, E any](m map[Target]V, entry func(t Target, text json.RawMessage, v V) (e E, tie string, err error)) ([]E, error) {
	if m == nil {
		return nil, nil
	}
	type keyed struct {
		text, kind, tie string
		e               E
	}
	list := make([]keyed, 0, len(m))
	for t, v := range m {
		text := t.String()
		e, tie, err := entry(t, json.RawMessage(text), v)
		if err != nil {
			return nil, err
		}
		list = append(list, keyed{text: text, kind: fmt.Sprintf("%T", t.Config), tie: tie, e: e})
	}
	slices.SortFunc(list, func(a, b keyed) int {
		return cmp.Or(cmp.Compare(a.text, b.text), cmp.Compare(a.kind, b.kind), cmp.Compare(a.tie, b.tie))
	})
	out := make([]E, len(list))
	for i, k := range list {
		out[i] = k.e
	}
	return out, nil
}
