package framework

import (
	"cmp"
	"encoding/json"
	"fmt"
	"slices"
)

// targetExtras is one entry of ToolOutput.TargetExtras as JSON writes it.
type targetExtras struct {
	Target json.RawMessage `json:"target"`
	Extras json.RawMessage `json:"extras"`
	kind   string          // the configuration's Go type: orders targets written alike
}

// unreached is one entry of ToolOutput.Unreached as JSON writes it.
type unreached struct {
	Target json.RawMessage `json:"target"`
	Reason string          `json:"reason"`
	kind   string
}

// targetStatus is one entry of ToolOutput.TargetStatus as JSON writes it.
type targetStatus struct {
	Target json.RawMessage `json:"target"`
	Status ExecutionStatus `json:"status"`
	kind   string
}

// MarshalJSON encodes the output as encoding/json encodes its fields, but
// for TargetExtras, Unreached and TargetStatus, whose keys (targets) a
// JSON object cannot hold: Unreached is a list of {"target": …, "reason":
// …}, TargetStatus of {"target": …, "status": …} (each left out when
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
	var list []targetExtras
	if o.TargetExtras != nil {
		list = make([]targetExtras, 0, len(o.TargetExtras))
		for t, te := range o.TargetExtras {
			extras, err := json.Marshal(te)
			if err != nil {
				return nil, fmt.Errorf("target extras of %s: %w", t, err)
			}
			list = append(list, targetExtras{Target: json.RawMessage(t.String()), Extras: extras, kind: fmt.Sprintf("%T", t.Config)})
		}
		slices.SortFunc(list, func(a, b targetExtras) int {
			return cmp.Or(cmp.Compare(string(a.Target), string(b.Target)), cmp.Compare(a.kind, b.kind),
				cmp.Compare(string(a.Extras), string(b.Extras)))
		})
	}
	var gone []unreached
	if o.Unreached != nil {
		gone = make([]unreached, 0, len(o.Unreached))
		for t, why := range o.Unreached {
			gone = append(gone, unreached{Target: json.RawMessage(t.String()), Reason: why, kind: fmt.Sprintf("%T", t.Config)})
		}
		slices.SortFunc(gone, func(a, b unreached) int {
			return cmp.Or(cmp.Compare(string(a.Target), string(b.Target)), cmp.Compare(a.kind, b.kind), cmp.Compare(a.Reason, b.Reason))
		})
	}
	var own []targetStatus
	if o.TargetStatus != nil {
		own = make([]targetStatus, 0, len(o.TargetStatus))
		for t, st := range o.TargetStatus {
			own = append(own, targetStatus{Target: json.RawMessage(t.String()), Status: st, kind: fmt.Sprintf("%T", t.Config)})
		}
		slices.SortFunc(own, func(a, b targetStatus) int {
			return cmp.Or(cmp.Compare(string(a.Target), string(b.Target)), cmp.Compare(a.kind, b.kind), cmp.Compare(a.Status, b.Status))
		})
	}
	return json.Marshal(struct {
		fields
		TargetExtras []targetExtras
		Unreached    []unreached    `json:",omitempty"` // as before it was a field: none, not written
		TargetStatus []targetStatus `json:",omitempty"`
	}{fields(o), list, gone, own})
}
