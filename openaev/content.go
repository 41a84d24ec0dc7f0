package openaev

import (
	"bytes"
	"encoding/json"
	"strconv"
	"unicode/utf8"
)

// contentString reads a content field that holds a string, or a list of
// one string (select fields). It returns "" for an absent or null field.
func (in Injection) contentString(key string) (string, error) {
	raw, ok := in.Content[key]
	if !ok || isNull(raw) {
		return "", nil
	}
	if s, ok := plainString(raw); ok { // the field's name is built only when needed
		return s, nil
	}
	return scalarString(raw, "inject_content."+key)
}

// scalarString renders a JSON scalar (or a list of exactly one scalar) as a
// string.
func scalarString(raw json.RawMessage, field string) (string, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) > 0 && raw[0] == '[' {
		var list []json.RawMessage
		if err := json.Unmarshal(raw, &list); err != nil {
			return "", &ValidationError{Field: field, Value: string(raw), Reason: "malformed list"}
		}
		switch len(list) {
		case 0:
			return "", nil
		case 1:
			return scalarString(list[0], field)
		}
		return "", &ValidationError{Field: field, Value: string(raw), Reason: "want one value, got a list"}
	}
	if s, ok := plainString(raw); ok {
		return s, nil
	}
	v, err := decodeGeneric(raw)
	if err != nil {
		return "", &ValidationError{Field: field, Value: string(raw), Reason: "malformed value"}
	}
	switch x := v.(type) {
	case nil:
		return "", nil
	case string:
		return x, nil
	case json.Number:
		return x.String(), nil
	case bool:
		return strconv.FormatBool(x), nil
	}
	return "", &ValidationError{Field: field, Value: string(raw), Reason: "want a string, a number or a boolean"}
}

// plainString returns the string raw holds when raw is one JSON string
// alone that decodes to its own bytes: no escape, no control character,
// valid UTF-8 (the common case: targets, selectors). Its bytes are the
// string a Decoder would return, without the Decoder and its buffer.
func plainString(raw []byte) (string, bool) {
	if len(raw) < 2 || raw[0] != '"' || raw[len(raw)-1] != '"' {
		return "", false
	}
	body := raw[1 : len(raw)-1]
	for _, c := range body {
		if c < 0x20 || c == '"' || c == '\\' {
			return "", false
		}
	}
	if !utf8.Valid(body) {
		return "", false
	}
	return string(body), true
}

// expectationTypes returns the expectation_type of each entry of
// inject_content.expectations, in order: nil when the message has no
// such list (absent or null), an empty slice when the list is empty.
func (in Injection) expectationTypes() ([]string, error) {
	raw, ok := in.Content[KeyExpectations]
	if !ok || isNull(raw) {
		return nil, nil
	}
	var list []struct {
		Type string `json:"expectation_type"`
	}
	if err := json.Unmarshal(raw, &list); err != nil {
		return nil, &ValidationError{Field: "inject_content.expectations", Value: string(raw), Reason: "not a list of expectations"}
	}
	out := make([]string, 0, len(list))
	for _, e := range list {
		out = append(out, e.Type)
	}
	return out, nil
}
