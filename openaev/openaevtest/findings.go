package openaevtest

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
)

// The findings a processed output becomes, and the database limit on
// them.

// MaxFindingValue is the longest finding value, in bytes, the stand-in
// stores. The platform keeps findings in a table with a unique index on
// (finding_inject_id, finding_type, finding_value, finding_field)
// (migration V3_95), and PostgreSQL refuses an index row over 2704 bytes:
// the insert throws, and the batch's transaction
// (BatchingInjectStatusService, REQUIRES_NEW) rolls back, trace and
// outputs lost. PostgreSQL compresses the row first; the stand-in measures
// the raw value, and so refuses some values the platform would store.
const MaxFindingValue = 2704

// noFindings are the output types whose processor stores no finding.
var noFindings = set("asset", "expectation_signature", "action_output")

// findingValues returns the finding values the platform stores for one
// declared output: one per item of a list when the output is isMultiple,
// else one for the whole value (FindingService.buildFindings), each
// rendered as the type's toFindingValue does.
func findingValues(outputType string, multiple bool, value any) []string {
	if noFindings[outputType] {
		return nil
	}
	if list, ok := value.([]any); ok && multiple {
		out := make([]string, len(list))
		for i, x := range list {
			out[i] = findingValue(outputType, x)
		}
		return out
	}
	return []string{findingValue(outputType, value)}
}

// findingValue renders one finding: the text of a scalar (buildString),
// a list's items joined with spaces, a cve's id, a portscan row's
// "host:port (service)", and for the other object types the object's
// JSON, longer than what their processors keep.
func findingValue(outputType string, v any) string {
	m, isObject := v.(map[string]any)
	switch {
	case isObject && outputType == "cve":
		return asText(m["id"])
	case isObject && outputType == "portscan":
		s := asText(m["host"]) + ":" + asText(m["port"])
		if service := asText(m["service"]); service != "" {
			s += " (" + service + ")"
		}
		return s
	case isObject:
		b, _ := json.Marshal(m)
		return string(b)
	}
	if list, ok := v.([]any); ok {
		parts := make([]string, len(list))
		for i, x := range list {
			parts[i] = asText(x)
		}
		return strings.Join(parts, " ")
	}
	return asText(v)
}

// asText is Jackson's JsonNode.asText: a scalar's text, "null" for null,
// "" for a list or an object.
func asText(v any) string {
	switch x := v.(type) {
	case nil:
		return "null"
	case string:
		return x
	case bool:
		return strconv.FormatBool(x)
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	case json.Number:
		return x.String()
	}
	return ""
}

// checkFindings returns why the platform fails to store the findings of
// an output, or "".
func checkFindings(o contractOutput, value any) string {
	for _, f := range findingValues(o.Type, o.Multiple, value) {
		if len(f) > MaxFindingValue {
			return fmt.Sprintf("output %s (%s): a finding of %d bytes is over the findings index's row limit of %d bytes: the insert fails and the callback's transaction rolls back",
				o.Field, o.Type, len(f), MaxFindingValue)
		}
	}
	return ""
}
