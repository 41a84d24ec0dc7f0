package openaevtest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
)

// How the platform reads a JSON body into its route's input (rules 3 and
// 16): Spring's MappingJackson2HttpMessageConverter over the platform's
// ObjectMapper (2.4.0: ObjectMapperHelper.java:37-45, a plain
// ObjectMapper, and MvcConfig.java:38-50, FAIL_ON_UNKNOWN_PROPERTIES off),
// otherwise Jackson 2.19's defaults.

// bodyRead is what the platform reads of a JSON body.
type bodyRead struct {
	// value is the bytes of the first JSON value, all Jackson reads: no
	// FAIL_ON_TRAILING_TOKENS, so what follows it ({…} garbage, {…}{…})
	// is never looked at. The whole body when it holds no value Go reads.
	value []byte
	// body is that value decoded, when it is an object: the last
	// occurrence of each property, its input's fields as bound.
	body map[string]any
	// refusal is why Jackson refuses to bind the input, or "".
	refusal string
}

// member is one property of a JSON object as written.
type member struct {
	name string
	raw  json.RawMessage
}

// fieldType is the Java type of one field of a route's input.
type fieldType int

const (
	stringField fieldType = iota // String
	intField                     // int
	actionField                  // InjectExecutionAction
)

// inputFields are the fields of each route's input Jackson binds:
// InjectExecutionInput (2.4.0, rest/inject/form/InjectExecutionInput.java),
// InjectReceptionInput.trackingTotalCount, Pagination's page and size.
// Every other property is unknown, and ignored (FAIL_ON_UNKNOWN_PROPERTIES
// off).
var inputFields = map[string]map[string]fieldType{
	KindTrace: callbackFields, KindComplete: callbackFields, KindData: callbackFields,
	KindReception: {"tracking_total_count": intField},
	KindTargets:   {"page": intField, "size": intField}, KindFindings: {"page": intField, "size": intField},
}

var callbackFields = map[string]fieldType{
	"execution_message": stringField, "execution_output_structured": stringField, "execution_output_raw": stringField,
	"execution_status": stringField, "execution_duration": intField, "execution_action": actionField,
}

// readBody reads body b of a call of kind as the platform of version v
// does.
func readBody(v Version, kind string, b []byte) bodyRead {
	dec := json.NewDecoder(bytes.NewReader(b))
	var first json.RawMessage
	if dec.Decode(&first) != nil {
		return bodyRead{value: b}
	}
	r := bodyRead{value: b[:dec.InputOffset()]}
	members, ok := objectMembers(first)
	if !ok {
		return r
	}
	r.body = make(map[string]any, len(members))
	fields := inputFields[kind]
	for _, m := range members {
		t, known := fields[m.name]
		if !known {
			var x any
			_ = json.Unmarshal(m.raw, &x)
			r.body[m.name] = x
			continue
		}
		// Jackson binds every occurrence of a field, the last one
		// kept: a duplicate whose earlier value does not bind fails the
		// whole body.
		x, refusal := bindField(v, t, m.raw)
		if refusal != "" && r.refusal == "" {
			r.refusal = m.name + ": " + refusal
		}
		r.body[m.name] = x
	}
	return r
}

// objectMembers returns the members of a JSON object in the order
// written, duplicates included, or false when v is not an object.
func objectMembers(v json.RawMessage) ([]member, bool) {
	dec := json.NewDecoder(bytes.NewReader(v))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return nil, false
	}
	var ms []member
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, false
		}
		name, _ := tok.(string)
		var raw json.RawMessage
		if dec.Decode(&raw) != nil {
			return nil, false
		}
		ms = append(ms, member{name, raw})
	}
	return ms, true
}

// bindField binds one occurrence of a field of type t as Jackson does,
// returning the value the field holds (a string field's string or nil, an
// int field's value as decoded from JSON) or why Jackson refuses it.
func bindField(v Version, t fieldType, raw json.RawMessage) (any, string) {
	var x any
	_ = json.Unmarshal(raw, &x)
	switch t {
	case intField:
		return x, notInt(x)
	case actionField:
		if s, ok := x.(string); ok && !v.actions()[s] {
			return x, fmt.Sprintf("%q is not an InjectExecutionAction of %s", s, v)
		}
		if _, ok := x.(string); !ok && x != nil {
			return x, fmt.Sprintf("Cannot deserialize value of type `InjectExecutionAction` from %s", jsonKind(raw))
		}
	default:
		switch x.(type) {
		case map[string]any, []any:
			return x, fmt.Sprintf("Cannot deserialize value of type `java.lang.String` from %s", jsonKind(raw))
		case float64, bool:
			// A scalar is coerced (CoercionAction.TryConvert, the
			// default): the number's text as written, "true", "false".
			return strings.TrimSpace(string(raw)), ""
		}
	}
	return x, ""
}

// jsonKind names the kind of a JSON value as Jackson's errors do.
func jsonKind(raw json.RawMessage) string {
	switch s := strings.TrimSpace(string(raw)); {
	case strings.HasPrefix(s, "{"):
		return "Object value"
	case strings.HasPrefix(s, "["):
		return "Array value"
	case s == "true" || s == "false":
		return "Boolean value"
	}
	return "Number value"
}
