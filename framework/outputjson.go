package framework

import (
	"encoding/json"
	"slices"
	"strings"
)

// targetExtras is one entry of ToolOutput.TargetExtras as JSON writes it.
type targetExtras struct {
	Target json.RawMessage `json:"target"`
	Extras TypeExtras      `json:"extras"`
}

// MarshalJSON encodes the output as encoding/json encodes its fields, but
// for TargetExtras, whose keys (targets) a JSON object cannot hold: it is
// a list of {"target": …, "extras": …}, the target as Target.String
// writes it, in the order of those texts. It serves the tests and logs of
// an executor; the runtime never sends an output as it is.
func (o ToolOutput) MarshalJSON() ([]byte, error) {
	type fields ToolOutput // the same fields, without this method
	var list []targetExtras
	if o.TargetExtras != nil {
		list = make([]targetExtras, 0, len(o.TargetExtras))
		for t, te := range o.TargetExtras {
			list = append(list, targetExtras{Target: json.RawMessage(t.String()), Extras: te})
		}
		slices.SortFunc(list, func(a, b targetExtras) int { return strings.Compare(string(a.Target), string(b.Target)) })
	}
	return json.Marshal(struct {
		fields
		TargetExtras []targetExtras
	}{fields(o), list})
}
