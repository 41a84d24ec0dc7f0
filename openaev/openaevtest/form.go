package openaevtest

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"
)

// formNotDynamic are the contract fields the inject form keeps out of
// inject_content (InjectForm.tsx, notDynamicFields).
var formNotDynamic = []string{"teams", "assets", "asset_groups", "articles", "challenges", "attachments", "expectations"}

// formField is what the inject form reads of a contract field.
type formField struct {
	Key                    string         `json:"key"`
	Type                   string         `json:"type"`
	Cardinality            *string        `json:"cardinality"`
	DefaultValue           any            `json:"defaultValue"`
	VisibleConditionFields []string       `json:"visibleConditionFields"`
	VisibleConditionValues map[string]any `json:"visibleConditionValues"`
}

// FormContent returns the inject_content the platform's inject form sends
// when a user creates an inject of the contract whose contract_content is
// contract, leaves every field at its default and sets only edits (key to
// the value the form holds: a string for what was typed, even in a number
// field). It models OpenAEV 2.4.0's front,
// openaev-front/src/admin/components/common/injects/form/InjectForm.tsx:
//
//   - getInitialValues (line 153) pre-fills each field outside
//     notDynamicFields with the expression below (InjectContentForm.tsx:178,
//     the form's reset, is the same): a list default gives its first
//     element, but a string default with cardinality "1" its first
//     character, and a false, 0 or absent default the empty string;
//   - onSubmit's formatInjectContentData parses a number field holding a
//     string with parseInt(value, 10), whose NaN JSON.stringify sends as
//     null;
//   - onSubmit's cleanInvisibleFields (utils.ts isVisibleField) sets a
//     field its visible conditions hide to an empty list when it holds a
//     list, else to the empty string.
//
// The pre-fill:
//
//	[field.key]: (field.cardinality === '1' ? field.defaultValue?.[0] : field.defaultValue) || '',
//
// 1.18's form (openbas-front, InjectForm.tsx:144) pre-fills the same but
// without the fallback to the empty string. A contract that is not a JSON
// document with a fields list is an error.
func FormContent(contract string, edits map[string]any) (map[string]any, error) {
	var doc struct {
		Fields []formField `json:"fields"`
	}
	if err := json.Unmarshal([]byte(contract), &doc); err != nil {
		return nil, fmt.Errorf("contract content: %w", err)
	}
	content := map[string]any{}
	for _, f := range doc.Fields {
		if slices.Contains(formNotDynamic, f.Key) {
			continue
		}
		var v any = f.DefaultValue
		if f.Cardinality != nil && *f.Cardinality == "1" {
			v = jsIndex0(f.DefaultValue)
		}
		if !jsTruthy(v) {
			v = ""
		}
		content[f.Key] = v
	}
	for k, v := range edits {
		content[k] = v
	}
	for _, f := range doc.Fields {
		if slices.Contains(formNotDynamic, f.Key) {
			continue
		}
		if s, ok := content[f.Key].(string); ok && f.Type == "number" {
			content[f.Key] = jsParseInt(s)
		}
	}
	// cleanInvisibleFields runs on the formatted content: a condition
	// field is read as it is sent.
	hidden := map[string]bool{}
	for _, f := range doc.Fields {
		if !slices.Contains(formNotDynamic, f.Key) && !formVisible(f, content) {
			hidden[f.Key] = true
		}
	}
	for k := range hidden {
		if _, list := content[k].([]any); list {
			content[k] = []any{}
		} else {
			content[k] = ""
		}
	}
	return content, nil
}

// formVisible is utils.ts isVisibleField for a condition on a content
// field.
func formVisible(f formField, content map[string]any) bool {
	for _, cond := range f.VisibleConditionFields {
		value := content[cond]
		want, ok := f.VisibleConditionValues[cond]
		switch {
		case !ok || want == nil:
			if value == nil || jsLength(value) == 0 {
				return false
			}
		case isList(want):
			if !slices.ContainsFunc(want.([]any), func(w any) bool { return w == value }) {
				return false
			}
		case jsString(value) != jsString(want):
			return false
		}
	}
	return true
}

// jsIndex0 is JavaScript's v?.[0]: a string's first character, a list's
// first element, undefined (nil) for anything else.
func jsIndex0(v any) any {
	switch x := v.(type) {
	case string:
		if x == "" {
			return nil
		}
		r, _ := utf8.DecodeRuneInString(x)
		return string(r)
	case []any:
		if len(x) == 0 {
			return nil
		}
		return x[0]
	}
	return nil
}

// jsTruthy is JavaScript's truthiness of a JSON value.
func jsTruthy(v any) bool {
	switch x := v.(type) {
	case nil:
		return false
	case string:
		return x != ""
	case bool:
		return x
	case float64:
		return x != 0
	}
	return true // lists and objects, empty ones included
}

// jsParseInt is parseInt(s, 10), NaN as nil (JSON.stringify's null).
func jsParseInt(s string) any {
	s = strings.TrimLeft(s, " \t\n\r\v\f")
	sign := 1.0
	if s != "" && (s[0] == '+' || s[0] == '-') {
		if s[0] == '-' {
			sign = -1
		}
		s = s[1:]
	}
	n, digits := 0.0, 0
	for _, c := range s {
		if c < '0' || c > '9' {
			break
		}
		n, digits = n*10+float64(c-'0'), digits+1
	}
	if digits == 0 {
		return nil
	}
	return sign * n
}

func isList(v any) bool {
	_, ok := v.([]any)
	return ok
}

func jsLength(v any) int {
	switch x := v.(type) {
	case string:
		return len(x)
	case []any:
		return len(x)
	}
	return -1 // no length: undefined, never 0
}

// jsString is String(v) for the JSON scalars and lists of them.
func jsString(v any) string {
	switch x := v.(type) {
	case nil:
		return "null"
	case string:
		return x
	case []any:
		parts := make([]string, len(x))
		for i, e := range x {
			if e != nil {
				parts[i] = jsString(e)
			}
		}
		return strings.Join(parts, ",")
	}
	b, _ := json.Marshal(v)
	return string(b)
}
