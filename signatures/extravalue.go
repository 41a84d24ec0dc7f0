package signatures

import (
	"encoding/json"
	"errors"
	"fmt"
	"sort"
)

// ExtraValueError returns why an extra signature's value cannot be sent,
// "" when it can: JSON cannot encode it, at any depth (NaN, ±Inf, a chan,
// a func, a complex number, a cycle). value is what the reason names: the
// value JSON refused ("+Inf", "NaN"), or "" for a value of a type JSON
// has no form of (the reason names the type).
func ExtraValueError(v any) (value, reason string) {
	_, err := json.Marshal(v)
	if err == nil {
		return "", ""
	}
	var uv *json.UnsupportedValueError
	var ut *json.UnsupportedTypeError
	switch {
	case errors.As(err, &uv):
		return uv.Str, "cannot be encoded as JSON"
	case errors.As(err, &ut):
		return "", fmt.Sprintf("cannot be encoded as JSON (a %s value)", ut.Type)
	}
	return "", "cannot be encoded as JSON: " + err.Error()
}

// UnencodableExtras returns, in key order, a *ValidationError for each
// value of m that JSON cannot encode (ExtraValueError), its field named
// where.key, and m without them (m itself when they are none).
func UnencodableExtras(where string, m map[string]any) (map[string]any, []error) {
	var bad []string
	for k, v := range m {
		if _, reason := ExtraValueError(v); reason != "" {
			bad = append(bad, k)
		}
	}
	if len(bad) == 0 {
		return m, nil
	}
	sort.Strings(bad)
	kept := make(map[string]any, len(m)-len(bad))
	for k, v := range m {
		kept[k] = v
	}
	errs := make([]error, len(bad))
	for i, k := range bad {
		value, reason := ExtraValueError(m[k])
		errs[i] = &ValidationError{Field: where + "." + k, Value: value, Reason: reason}
		delete(kept, k)
	}
	return kept, errs
}
