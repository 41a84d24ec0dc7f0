package framework

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"reflect"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/injectkit/injectkit/internal/fold"
	"github.com/injectkit/injectkit/internal/hook"
	"github.com/injectkit/injectkit/internal/jsontype"
	"github.com/injectkit/injectkit/internal/scalar"
	"github.com/injectkit/injectkit/signatures"
)

// A parameter error is a *signatures.ValidationError whose Field is
// "params.<name>", the name as the user wrote it (--param delay=x, or
// "params": {"delay": "x"}), whichever step rejected the value: ParseParam,
// DecodeParams or the params' own Validate.

// ReasonRequired is the Reason of the *signatures.ValidationError of a
// required param not given, or given JSON null (then followed by
// ReasonNull), or, a string or an enum, given empty (then followed by
// ReasonEmpty).
const ReasonRequired = "required"

// What follows ReasonRequired for a required param given no value.
const (
	ReasonNull  = ": null is no value"
	ReasonEmpty = ": an empty string is no value"
)

// paramsField is the field path of the named param.
func paramsField(name string) string { return "params." + name }

// ReasonUnknown begins the Reason of the *signatures.ValidationError of a
// key that is no param.
const ReasonUnknown = "unknown parameter"

func invalidParam(name, value, reason string) error {
	return &signatures.ValidationError{Field: paramsField(name), Value: value, Reason: reason}
}

// paramText is a param's value as the user wrote it: a string as it is,
// an object or a list as JSON (not Go's map[a:1]).
func paramText(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case map[string]any, []any:
		if b, err := json.Marshal(v); err == nil {
			return string(b)
		}
	case nil:
		return "null"
	}
	return fmt.Sprint(v)
}

// Param returns the declaration of the named parameter.
func (m Manifest) Param(name string) (Param, bool) {
	for _, p := range m.Params {
		if p.Name == name {
			return p, true
		}
	}
	return Param{}, false
}

// ParamNames returns the declared parameter names, sorted.
func (m Manifest) ParamNames() []string {
	names := make([]string, 0, len(m.Params))
	for _, p := range m.Params {
		names = append(names, p.Name)
	}
	sort.Strings(names)
	return names
}

// DecodeParams turns an inject's params into what Execute receives, and
// validates them. Without ParamsFactory a deep copy of the map is returned
// (an empty one for nil: nothing an executor changes in it reaches raw),
// its json.Number values (a request decoded as written) as float64, as
// encoding/json gives numbers in a map. Otherwise raw is decoded strictly into a fresh NewParams
// value: a key that is not a param, a missing (or null, or empty string) required param, a value of the
// wrong type or a malformed duration (see ParamsSpec) is an error naming the
// param; JSON null on an optional param, of any type, keeps its default.
// The decoded value is then checked by CheckParams.
//
// A parameter error is a *signatures.ValidationError on "params.<name>";
// NewParams returning nil is an error wrapping ErrParamsSpec; a panic of
// NewParams, the params' Validate or ValidateParams is a *hook.PanicError. The
// refused value of a param named as a setting of ex's manifest, or like a
// secret, is withheld from the error (see withhold).
func DecodeParams(ex Executor, raw map[string]any) (any, error) {
	params, err := decodeParams(ex, raw, structFields)
	if err != nil {
		return nil, withhold(ex, err)
	}
	return params, nil
}

// decodeParams is DecodeParams without the withholding, the params of a
// NewParams value's type given by fieldsOf (structFields, or a registry's
// derived once).
func decodeParams(ex Executor, raw map[string]any, fieldsOf func(reflect.Type) []paramField) (any, error) {
	pf, ok := ex.(ParamsFactory)
	if !ok {
		if err := numbersInRange(raw); err != nil {
			return nil, err
		}
		raw = mapParams(raw)
		// A ParamsValidator without a ParamsFactory checks the map.
		if v, ok := ex.(ParamsValidator); ok {
			if err := hook.Call("", "ValidateParams", func() error { return v.ValidateParams(raw) }); err != nil {
				return nil, prefixParamsErr(err)
			}
		}
		return raw, nil
	}
	var target any
	if err := hook.Call("", "NewParams", func() error { target = pf.NewParams(); return nil }); err != nil {
		return nil, err
	}
	if target == nil {
		return nil, fmt.Errorf("%w: NewParams returned nil", ErrParamsSpec)
	}
	fields := fieldsOf(reflect.TypeOf(target))
	if len(raw) > 0 {
		if err := decodeInto(target, raw, fields); err != nil {
			return nil, err
		}
	}
	for _, f := range fields {
		v, given := raw[f.name]
		switch {
		case !f.required:
		case !given:
			return nil, invalidParam(f.name, "", ReasonRequired)
		case v == nil: // JSON null: no value
			return nil, invalidParam(f.name, "null", ReasonRequired+ReasonNull)
		case v == "" && (f.kind == ParamString || f.kind == ParamEnum):
			return nil, invalidParam(f.name, "", ReasonRequired+ReasonEmpty)
		}
	}
	if err := checkParams(ex, target, fields); err != nil {
		return nil, err
	}
	return target, nil
}

// structFields returns the params of a NewParams value, or nil when
// ParamsSpec cannot describe it (not a pointer to a struct, a field of
// another type): such params, written before ParamsSpec, are decoded by
// encoding/json alone, without the duration and required rules.
// Conformance reports them.
func structFields(t reflect.Type) []paramField {
	if t.Kind() != reflect.Pointer || t.Elem().Kind() != reflect.Struct {
		return nil
	}
	fields, err := paramFields(t)
	if err != nil {
		return nil
	}
	return fields
}

// decodeInto decodes raw into target strictly, durations normalised first.
func decodeInto(target any, raw map[string]any, fields []paramField) error {
	norm := make(map[string]any, len(raw))
	for k, v := range raw {
		norm[k], _ = floatNumbers(v, true) // integers exact, 1.5e3 as before
	}
	if fields != nil {
		// In sorted order, as numbersInRange: params with several faults
		// are refused on the same one every time, not as map order falls.
		for _, k := range slices.Sorted(maps.Keys(raw)) {
			v := raw[k]
			f, ok := fieldFor(fields, k)
			if !ok {
				return unknownParam(k, paramText(v), fieldNames(fields))
			}
			if n, ok := v.(json.Number); ok && f.kind == ParamInt && !scalar.Whole(n.String()) {
				// Not whole, though float64 may round it to one
				// (21.9999999999999999): refused as --param refuses it.
				return invalidParam(k, n.String(), scalar.ErrNotInteger.Error())
			}
			if b, ok := boolNumber(v); ok && f.kind == ParamBool {
				// 1 and 0, which --param takes for a bool (ParseBool).
				norm[k] = b
				continue
			}
			if f.kind != ParamDuration || v == nil { // null keeps the default, as for any type
				continue
			}
			d, err := durationValue(v)
			if err != nil {
				def := time.Duration(reflect.ValueOf(target).Elem().FieldByIndex(f.index).Int()) // NewParams'
				return invalidParam(k, paramText(v), paramZeroAdvice(err, def, f.required).Error())
			}
			norm[k] = int64(d)
		}
	}
	b, err := json.Marshal(norm)
	if err != nil {
		return fmt.Errorf("params: %w", err)
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(target); err != nil {
		return paramsJSONError(err, raw, fields)
	}
	return nil
}

// boolNumber reads a bool param's JSON number as ParseBool reads its
// text: 1 is true and 0 false, as --param verbose=1 gives; any other
// number is no boolean, for the decoder to refuse as the wrong type.
func boolNumber(v any) (bool, bool) {
	var text string
	switch x := v.(type) {
	case json.Number:
		text = x.String()
	case float64:
		text = strconv.FormatFloat(x, 'f', -1, 64)
	default:
		return false, false
	}
	if text != "1" && text != "0" {
		return false, false
	}
	return text == "1", true
}

// durationValue reads a duration param's JSON value: a string (see
// ParseDuration) or a number of seconds.
func durationValue(v any) (d time.Duration, err error) {
	switch x := v.(type) {
	case string:
		return ParseDuration(x)
	case float64:
		return secondsDuration(x)
	case json.Number:
		return ParseDuration(x.String())
	case int:
		return secondsDuration(float64(x))
	case int64:
		return secondsDuration(float64(x))
	}
	return 0, errNotDuration
}

// fieldFor finds the field a JSON key decodes into: its exact name. Keys
// are case-sensitive, as --param's and the inject file's own: encoding/json
// would fold case, so a key only equal but for case is refused before it
// decodes (see unknownParam).
func fieldFor(fields []paramField, key string) (paramField, bool) {
	for _, f := range fields {
		if f.name == key {
			return f, true
		}
	}
	return paramField{}, false
}

// unknownParam is the error of a key no param has: the params known and
// the closest of them (fold.Closest: timing for timming), or the one it
// names but for case, or but for its separators and case
// (call-timeout, callTimeout, Call.Timeout for call_timeout), as a
// setting's name folds (fold.Name); the key itself stays exact.
func unknownParam(key, value string, known []string) error {
	if strings.TrimSpace(key) == "" {
		return invalidParam(key, value, ReasonUnknown+": a blank key names none (known: "+strings.Join(known, ", ")+")")
	}
	for _, n := range known {
		if strings.EqualFold(n, key) {
			return invalidParam(key, value, ReasonUnknown+"; keys are case-sensitive: write "+n)
		}
	}
	for _, n := range known {
		if fold.Name(n) == fold.Name(key) {
			return invalidParam(key, value, ReasonUnknown+"; keys are written exactly, case and separators included: write "+n)
		}
	}
	reason := ReasonUnknown + " (known: " + strings.Join(known, ", ") + ")"
	if near := fold.Closest(key, known); near != "" {
		reason += ": did you mean " + near + "?"
	}
	return invalidParam(key, value, reason)
}

func fieldNames(fields []paramField) []string {
	names := make([]string, len(fields))
	for i, f := range fields {
		names[i] = f.name
	}
	sort.Strings(names)
	return names
}

// paramsJSONError names the param a decoding error is about, with the
// value the user gave; a whole number out of an int param's range is
// refused with its range, the one fields give it when known, and one not
// whole as --param refuses it (rangeReason).
func paramsJSONError(err error, raw map[string]any, fields []paramField) error {
	var te *json.UnmarshalTypeError
	var ve *signatures.ValidationError
	switch {
	case errors.As(err, &te):
		value := te.Value
		if v, ok := raw[te.Field]; ok {
			value = paramText(v)
		}
		if reason := rangeReason(te, fields); reason != "" {
			return invalidParam(te.Field, value, reason)
		}
		return invalidParam(te.Field, value, "wrong JSON type, want "+jsontype.Describe(te.Type))
	case errors.As(err, &ve):
		return prefixParams(ve)
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		name := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		return invalidParam(name, "", ReasonUnknown)
	}
	return fmt.Errorf("params: %w", err)
}

// CheckParams validates decoded params: first the enum and int fields
// against their tags (CheckEnums), then their own Validate method (the Validator
// interface), then the executor's ParamsValidator, if any,
// for checks that depend on the executor (privileges, say). Neither may
// touch the network. A *signatures.ValidationError is returned with its
// Field on "params.<field>"; other errors are returned as they are, and
// a panic of a check is a *hook.PanicError naming its method. A value is
// withheld as DecodeParams withholds it.
func CheckParams(ex Executor, params any) error {
	return withhold(ex, checkParams(ex, params, nil))
}

// checkParams is CheckParams without the withholding, fields those of
// params' struct type when known (nil: derived from it).
func checkParams(ex Executor, params any, fields []paramField) error {
	if err := checkEnums(params, fields); err != nil {
		return prefixParamsErr(err)
	}
	if v, ok := params.(Validator); ok && !isNilPointer(params) {
		if err := hook.Call("", "Validate", v.Validate); err != nil {
			return prefixParamsErr(err)
		}
	}
	if v, ok := ex.(ParamsValidator); ok {
		if err := hook.Call("", "ValidateParams", func() error { return v.ValidateParams(params) }); err != nil {
			return prefixParamsErr(err)
		}
	}
	return nil
}

func prefixParamsErr(err error) error {
	var ve *signatures.ValidationError
	if errors.As(err, &ve) {
		return prefixParams(ve)
	}
	return err
}

// prefixParams returns a copy of ve on "params.<field>"; a field already
// under params is kept.
func prefixParams(ve *signatures.ValidationError) error {
	cp := *ve
	switch {
	case cp.Field == "" || cp.Field == "params":
		cp.Field = "params"
	case !strings.HasPrefix(cp.Field, "params."):
		cp.Field = paramsField(cp.Field)
	}
	return &cp
}

func isNilPointer(v any) bool {
	rv := reflect.ValueOf(v)
	return rv.Kind() == reflect.Pointer && rv.IsNil()
}
