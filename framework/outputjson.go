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

// MarshalJSON encodes the output as encoding/json encodes its fields, but
// for TargetExtras, whose keys (targets) a JSON object cannot hold: it is
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
	return json.Marshal(struct {
		fields
		TargetExtras []targetExtras
	}{fields(o), list})
}
