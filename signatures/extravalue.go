package signatures

import (
	"encoding/json"
	"errors"
	"fmt"
	"sort"
)

// ExtraValueError returns why an extra signature's value cannot be sent,
// "" when it can: JSON cannot encode it, at any depth (NaN, ±Inf, a chan,
// a func, a complex number, a cycle), or encoding it panicked (a
// MarshalJSON or MarshalText that panics: the panic is recovered and
// named in the reason). value is what the reason names: the value JSON
// refused ("+Inf", "NaN"), or "" for a value of a type JSON has no form
// of (the reason names the type).
func ExtraValueError(v any) (value, reason string) {
	panicked, err := marshalCheck(v)
	if panicked != nil {
		return "", "cannot be encoded as JSON: encoding it panicked: " + Shorten(fmt.Sprint(panicked), MaxQuoted)
	}
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

// marshalCheck encodes v, returning the value of the panic encoding v
// raised, or the encoder's error (encoding/json re-panics a panic of a
// MarshalJSON).
func marshalCheck(v any) (panicked any, err error) {
	defer func() {
		if p := recover(); p != nil {
			panicked = p
		}
	}()
	_, err = json.Marshal(v)
	return nil, err
}

// UnencodableExtras returns, in key order, a *ValidationError for each
// value of m that JSON cannot encode or whose encoding panics
// (ExtraValueError), its field named where.key, and m without them (m
// itself when they are none). Each value is encoded once: one that fails
// or panics is left out, whatever a later encoding of it would do.
func UnencodableExtras(where string, m map[string]any) (map[string]any, []error) {
	var bad []string
	reasons := map[string][2]string{}
	for k, v := range m {
		if value, reason := ExtraValueError(v); reason != "" {
			bad = append(bad, k)
			reasons[k] = [2]string{value, reason}
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
		errs[i] = &ValidationError{Field: where + "." + k, Value: reasons[k][0], Reason: reasons[k][1]}
		delete(kept, k)
	}
	return kept, errs
}
