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
	stringField     fieldType = iota // String
	intField                         // int
	actionField                      // InjectExecutionAction
	stringListField                  // List<String>
)

// inputFields are the fields of each route's input Jackson binds on
// 2.4.0: InjectExecutionInput (rest/inject/form/InjectExecutionInput.java:
// 13-33), InjectReceptionInput.trackingTotalCount
// (InjectReceptionInput.java:11-12), Pagination's page and size. Every
// other property is unknown, and ignored (FAIL_ON_UNKNOWN_PROPERTIES
// off). The Current line's InjectExecutionInput adds
// execution_context_identifiers, a List<String> (fieldsOf).
var inputFields = map[string]map[string]fieldType{
	KindTrace: callbackFields, KindComplete: callbackFields, KindData: callbackFields,
	KindReception: {"tracking_total_count": intField},
	KindTargets:   {"page": intField, "size": intField}, KindFindings: {"page": intField, "size": intField},
}

var callbackFields = map[string]fieldType{
	"execution_message": stringField, "execution_output_structured": stringField, "execution_output_raw": stringField,
	"execution_status": stringField, "execution_duration": intField, "execution_action": actionField,
}

// contextIdentifiers is the field the Current line's InjectExecutionInput
// adds to 2.4.0's.
const contextIdentifiers = "execution_context_identifiers"

// fieldsOf returns the type of field name of the input of a call of kind
// on version v, or false when the input has no such field.
func fieldsOf(v Version, kind, name string) (fieldType, bool) {
	if _, callback := inputFields[kind]["execution_message"]; callback && name == contextIdentifiers && v == Current {
		return stringListField, true
	}
	t, ok := inputFields[kind][name]
	return t, ok
}

// readBody reads body b of a call of kind as the platform of version v
// does. An object is read in one pass, its members taken as the decoder
// meets them: a body of tens of MiB is scanned twice for its members and
// twice for their values, not twice more for the object first.
func readBody(v Version, kind string, b []byte) bodyRead {
	dec := json.NewDecoder(bytes.NewReader(b))
	members, ok := readObject(dec)
	if !ok {
		// Not an object, or not JSON: the first value, if Go reads one.
		dec = json.NewDecoder(bytes.NewReader(b))
		var first json.RawMessage
		if dec.Decode(&first) != nil {
			return bodyRead{value: b}
		}
		return bodyRead{value: b[:dec.InputOffset()]}
	}
	r := bodyRead{value: b[:dec.InputOffset()]}
	r.body = make(map[string]any, len(members))
	for _, m := range members {
		t, known := fieldsOf(v, kind, m.name)
		if !known {
			r.body[m.name] = decodeValue(m.raw)
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
	return readObject(json.NewDecoder(bytes.NewReader(v)))
}

// readObject reads the JSON object dec reads next, returning its members
// in the order written, duplicates included, or false when that value is
// no object or no valid JSON.
func readObject(dec *json.Decoder) ([]member, bool) {
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
	if tok, err := dec.Token(); err != nil || tok != json.Delim('}') {
		return nil, false
	}
	return ms, true
}

// decodeValue decodes raw, one JSON value, as Body holds it: a number as
// a float64, or as its text (json.Number) when a float64 cannot hold it
// (1e400, an integer of 310 digits or more).
func decodeValue(raw json.RawMessage) any {
	return decodeNumbers(raw, func(n json.Number) any {
		if f, err := n.Float64(); err == nil {
			return f
		}
		return n
	})
}

// decodeNumbers decodes raw, one JSON value (nil when it is not one: not
// reached, raw being a value the decoder has read), each number in it
// replaced by what number makes of its text.
func decodeNumbers(raw []byte, number func(json.Number) any) any {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var x any
	if dec.Decode(&x) != nil {
		return nil
	}
	var walk func(any) any
	walk = func(x any) any {
		switch v := x.(type) {
		case json.Number:
			return number(v)
		case map[string]any:
			for k, e := range v {
				v[k] = walk(e)
			}
		case []any:
			for i, e := range v {
				v[i] = walk(e)
			}
		}
		return x
	}
	return walk(x)
}

// bindField binds one occurrence of a field of type t as Jackson does,
// returning the value the field holds (a string field's string or nil, an
// int field's value as decoded from JSON) or why Jackson refuses it. A
// number is judged on its text, as Jackson does, never on what Go holds
// of it.
func bindField(v Version, t fieldType, raw json.RawMessage) (any, string) {
	x := decodeValue(raw)
	switch t {
	case intField:
		return x, notInt(x, raw)
	case actionField:
		return bindAction(v, x, raw)
	case stringListField:
		return bindStringList(x, raw)
	default:
		switch x.(type) {
		case map[string]any, []any:
			return x, fmt.Sprintf("Cannot deserialize value of type `java.lang.String` from %s", jsonKind(raw))
		case float64, json.Number, bool:
			// A scalar is coerced (CoercionAction.TryConvert, the
			// default): the number's text as written, "true", "false".
			return strings.TrimSpace(string(raw)), ""
		}
	}
	return x, ""
}

// bindStringList binds a List<String> as Jackson 2.19's
// StringCollectionDeserializer does: null is null; a list binds each
// element as a String field does (a number or a boolean coerced to its
// text, null kept as null, an object or a list refused); any other value,
// a string included, is refused (ACCEPT_SINGLE_VALUE_AS_ARRAY off).
func bindStringList(x any, raw json.RawMessage) (any, string) {
	const what = "Cannot deserialize value of type `java.util.ArrayList<java.lang.String>`"
	switch x.(type) {
	case nil:
		return nil, ""
	case []any:
	default:
		return x, fmt.Sprintf("%s from %s", what, jsonKind(raw))
	}
	var elems []json.RawMessage
	if json.Unmarshal(raw, &elems) != nil {
		return x, what // raw is a list the decoder has read: not reached
	}
	list := make([]any, len(elems))
	for i, e := range elems {
		s, refusal := bindField(Current, stringField, e)
		if refusal != "" {
			return x, fmt.Sprintf("[%d]: %s", i, refusal)
		}
		list[i] = s
	}
	return list, ""
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
	case strings.HasPrefix(s, `"`):
		return "String value"
	}
	return "Number value"
}

// bindAction binds execution_action as Jackson 2.19's EnumDeserializer
// does (bindEnum) over the version's InjectExecutionAction; a number is
// judged on its text, as written. The index is the constant's place in
// 2.4.0's InjectExecutionAction (actionOrder24); the Current line's order
// was not read, so there the stand-in refuses an index (stricter).
func bindAction(v Version, x any, raw json.RawMessage) (any, string) {
	switch x.(type) {
	case nil:
		return nil, ""
	case float64, json.Number:
		x = json.Number(strings.TrimSpace(string(raw)))
	}
	a, refusal := bindEnum(v.actionEnum(), x)
	if refusal != "" {
		return x, refusal
	}
	return a, ""
}

// javaTrim is Java's String.trim: every leading and trailing char up to
// U+0020 removed, control chars and U+0000 included.
func javaTrim(s string) string {
	return strings.TrimFunc(s, func(r rune) bool { return r <= ' ' })
}
