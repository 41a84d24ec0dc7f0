package findingrow

import (
	"encoding/json"
	"strconv"
	"strings"
)

// Value returns the finding_value the platform stores for one finding of
// a contract output type, value v decoded from JSON (objects as
// map[string]any, lists as []any, numbers as json.Number holding their
// text as sent, or float64; a number renders as NumberText): the
// output processor's toFindingValue (2.4.0): a cve object's id, a
// portscan object's row "host:port (service)" (" (service)" only when
// the service is not blank), else Text(v). An object of another type is
// rendered by Text too, as "".
func Value(outputType string, v any) string {
	m, isObject := v.(map[string]any)
	switch {
	case isObject && outputType == "cve":
		return keyText(m, "id")
	case isObject && outputType == "portscan":
		s := keyText(m, "host") + ":" + keyText(m, "port")
		if service := keyText(m, "service"); strings.TrimSpace(service) != "" {
			s += " (" + service + ")"
		}
		return s
	}
	return Text(v)
}

// Text is the output processors' AbstractOutputProcessor.buildString: a
// list's items' text joined with spaces, else the value's text, each
// without one leading and one trailing double quote
// (value.replaceAll("^\"|\"$", "")). The text of a value is Jackson's
// JsonNode.asText: a scalar's text, "null" for null, "" for a list or an
// object.
func Text(v any) string {
	if list, ok := v.([]any); ok {
		parts := make([]string, len(list))
		for i, x := range list {
			parts[i] = trimQuotes(asText(x))
		}
		return strings.Join(parts, " ")
	}
	return trimQuotes(asText(v))
}

// keyText is Text of an object's key: "" when it is missing or null.
func keyText(m map[string]any, key string) string {
	v, ok := m[key]
	if !ok || v == nil {
		return ""
	}
	return Text(v)
}

// trimQuotes is the processors' value.replaceAll("^\"|\"$", "").
func trimQuotes(s string) string {
	s = strings.TrimPrefix(s, `"`)
	return strings.TrimSuffix(s, `"`)
}

// asText is Jackson's JsonNode.asText: a scalar's text (a number's as
// NumberText renders its node: 1e2 "100.0"; a float64 as the number Go's
// encoder writes for it: 100 "100"), "null" for null, "" for a list or an
// object.
func asText(v any) string {
	switch x := v.(type) {
	case nil:
		return "null"
	case string:
		return x
	case bool:
		return strconv.FormatBool(x)
	case float64:
		b, err := json.Marshal(x)
		if err != nil {
			return JavaDouble(x) // ±Inf, which no JSON decodes to
		}
		return NumberText(json.Number(b))
	case json.Number:
		return NumberText(x)
	}
	return ""
}
