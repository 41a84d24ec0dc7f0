package openaev

import (
	"bytes"
	"encoding/json"

	"github.com/injectkit/injectkit/framework"
)

// paramWants says, per param type, the JSON value an inject file's param
// of that type must be, in its words ("wrong JSON type, want a whole
// number"); a type not listed is read from any scalar's text.
var paramWants = map[string]string{
	framework.ParamInt:    "a whole number",
	framework.ParamString: "a string",
	framework.ParamEnum:   "a string",
	framework.ParamBool:   "true or false",
}

// paramKind refuses p's value raw, as a message's inject_content holds
// it, when its JSON type is one p's form field never sends: the platform
// sends a string from every field, a number from a number field (an int
// param), a boolean from a checkbox (a bool param), and a select's value
// as a list of one (none: the default); an object, a list of several, a
// boolean to another param or a number to a text or select field is a
// message no form made, refused in an inject file's words, the value
// shown as it is written, rather than read as its text ("true" refused as
// no integer, 7 as no provider) or as "want one value".
func paramKind(p framework.Param, raw json.RawMessage) error {
	want := paramWants[p.Type]
	v := bytes.TrimSpace(raw)
	if want == "" || len(v) == 0 {
		return nil
	}
	if v[0] == '[' {
		var items []json.RawMessage
		if json.Unmarshal(v, &items) != nil || len(items) > 1 {
			return paramKindError(p.Name, raw, want)
		}
		if len(items) == 0 {
			return nil
		}
		v = bytes.TrimSpace(items[0])
	}
	var ok bool
	switch v[0] {
	case '"', 'n':
		ok = true
	case 't', 'f':
		ok = p.Type == framework.ParamBool
	case '[', '{':
		ok = false
	default:
		ok = p.Type == framework.ParamInt
	}
	if ok {
		return nil
	}
	return paramKindError(p.Name, raw, want)
}

func paramKindError(name string, raw json.RawMessage, want string) error {
	return &ValidationError{Field: "inject_content." + name, Value: string(bytes.TrimSpace(raw)), Reason: "wrong JSON type, want " + want}
}
