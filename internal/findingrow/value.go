package findingrow

import (
	"encoding/json"
	"strconv"
	"strings"

	"github.com/injectkit/injectkit/internal/javatext"
)

// Value returns the finding_value the platform stores for one finding of
// a contract output type, value v decoded from JSON (objects as
// map[string]any, lists as []any, numbers as json.Number holding their
// text as sent, or float64; a number renders as NumberText): the
// output processor's toFindingValue (2.4.0, openaev-api/…/output_processor/):
// for the types whose findings are objects, the text of some of its keys
// (keyed: a cve's id, a portscan row's "host:port (service)", a
// username's "domain\username"), each "" when the key is missing or null
// or the value no object (JsonNode.get gives null); for the others
// (text, number, port, ipv4, ipv6) Text(v), an object's being "".
func Value(outputType string, v any) string {
	if render, ok := keyed[outputType]; ok {
		m, _ := v.(map[string]any)
		return render(m)
	}
	return Text(v)
}

// keyed renders the object findings as their processors'
// toFindingValue does; hasText is Spring's StringUtils.hasText.
var keyed = map[string]func(m map[string]any) string{
	"cve": func(m map[string]any) string { return keyText(m, "id") },
	"portscan": func(m map[string]any) string {
		return keyText(m, "host") + ":" + keyText(m, "port") + optional(" (", keyText(m, "service"), ")")
	},
	"credentials": func(m map[string]any) string {
		if p, ok := m["password"]; ok && p != nil {
			return keyText(m, "username") + ":" + keyText(m, "password")
		}
		return keyText(m, "username") + ":" + keyText(m, "hash")
	},
	"username": func(m map[string]any) string {
		if d := keyText(m, "domain"); d != "" {
			return d + `\` + keyText(m, "username")
		}
		return keyText(m, "username")
	},
	"admin_username":         func(m map[string]any) string { return keyText(m, "username") },
	"asreproastable_account": func(m map[string]any) string { return keyText(m, "username") },
	"kerberoastable_account": func(m map[string]any) string { return keyText(m, "username") },
	"computer":               func(m map[string]any) string { return keyText(m, "computer_name") },
	"sid":                    func(m map[string]any) string { return keyText(m, "sid") },
	"share": func(m map[string]any) string {
		s := keyText(m, "share_name") + " (" + keyText(m, "permissions") + ")"
		if h := keyText(m, "host"); h != "" {
			return `\\` + h + `\` + s
		}
		return s
	},
	"group": func(m map[string]any) string {
		return keyText(m, "group_name") + optional(" (", keyText(m, "member_count"), " members)")
	},
	"password_policy": func(m map[string]any) string { return keyText(m, "key") + ": " + keyText(m, "value") },
	"delegation": func(m map[string]any) string {
		return keyText(m, "account") + optional(" [", keyText(m, "delegation_type"), "]") + optional(" -> ", keyText(m, "rights_to"), "")
	},
	"vulnerability": func(m map[string]any) string { return keyText(m, "name") + " [" + keyText(m, "status") + "]" },
	"account_with_password_not_required": func(m map[string]any) string {
		return keyText(m, "account") + optional(" (", keyText(m, "status"), ")")
	},
}

// optional is before+s+after when s has text (StringUtils.hasText: a
// char Java's Character.isWhitespace does not take), else "".
func optional(before, s, after string) string {
	if !javatext.HasText(s) {
		return ""
	}
	return before + s + after
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

// trimQuotes is the processors' value.replaceAll("^\"|\"$", ""): a
// leading quote, and a quote at the end or before a line terminator that
// ends the text (Java's $: "\r\n", "\n", "\r", U+0085, U+2028, U+2029).
func trimQuotes(s string) string {
	s = strings.TrimPrefix(s, `"`)
	for _, end := range []string{"", "\r\n", "\n", "\r", "\u0085", "\u2028", "\u2029"} {
		if body, ok := strings.CutSuffix(s, `"`+end); ok {
			return body + end
		}
	}
	return s
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
