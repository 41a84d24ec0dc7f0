package openaevtest

import (
	"encoding/json"
	"fmt"

	"github.com/injectkit/injectkit/internal/findingrow"
)

// The findings a processed output becomes, and the database limit on
// them.

// MaxFindingRow is the longest row, in bytes, of the findings index the
// stand-in stores. The platform keeps findings in a table with a unique
// index on (finding_inject_id, finding_type, finding_value, finding_field)
// (migration V3_95), and PostgreSQL refuses a btree index row over 2704
// bytes, the whole row: the insert throws, and the batch's transaction
// (BatchingInjectStatusService, REQUIRES_NEW) rolls back, trace and
// outputs lost. The row of a finding is an 8-byte header, then each
// column as a varlena (a 1-byte header for up to 126 bytes, else a 4-byte
// header on a 4-byte boundary), rounded up to 8 bytes; its finding_type
// is the ContractOutputType constant's name (Text, PortsScan, CVE). With
// a 36-byte inject id (a UUID) and the type Text a value fits in
// 2647 - len(field) bytes: 8 + 37 + 5 + 2 (padding) + 4 + value +
// 1 + field ≤ 2704. PostgreSQL compresses a long value first when it can;
// the stand-in measures the raw value, and so refuses some compressible
// values the platform would store, never one it would refuse.
const MaxFindingRow = findingrow.MaxRow

// noFindings are the output types whose processor stores no finding.
var noFindings = set("asset", "expectation_signature", "action_output")

// findingValues returns the finding values the platform stores for one
// declared output: one per item of a list when the output is isMultiple,
// else one for the whole value (FindingService.buildFindings), each
// rendered as the type's toFindingValue does.
func findingValues(outputType string, multiple bool, value any) []string {
	items := findingItems(outputType, multiple, value)
	out := make([]string, len(items))
	for i, x := range items {
		out[i] = findingValue(outputType, x)
	}
	return out
}

// findingItems returns the JSON values the findings of one declared
// output are built from: each item of a list when the output is
// isMultiple, else the whole value (FindingService.buildFindings); none
// for an output type whose processor stores no finding.
func findingItems(outputType string, multiple bool, value any) []any {
	if noFindings[outputType] {
		return nil
	}
	if list, ok := value.([]any); ok && multiple {
		return list
	}
	return []any{value}
}

// findingValue renders one finding as findingrow.Value does (a scalar's
// text, a list's items joined with spaces, a cve's id, a portscan row's
// "host:port (service)"), but for the other object types the object's
// JSON, longer than what their processors keep.
func findingValue(outputType string, v any) string {
	if m, isObject := v.(map[string]any); isObject && outputType != "cve" && outputType != "portscan" {
		b, _ := json.Marshal(m)
		return string(b)
	}
	return findingrow.Value(outputType, v)
}

// checkFindings returns why the platform fails to store the findings of
// an output of inject injectID, or "".
func checkFindings(injectID string, o contractOutput, value any) string {
	typ := findingrow.TypeName(o.Type)
	for _, f := range findingValues(o.Type, o.Multiple, value) {
		if n := findingrow.Size(injectID, typ, f, o.Field); n > MaxFindingRow {
			return fmt.Sprintf("output %s (%s): a finding of %d bytes makes an index row of %d bytes, over the findings index's row limit of %d bytes: the insert fails and "+txRollsBack,
				o.Field, o.Type, len(f), n, MaxFindingRow)
		}
	}
	return ""
}
