package framework

import (
	"encoding/json"
	"fmt"
	"maps"
	"math"
	"math/big"
	"reflect"
	"slices"
	"strconv"
	"strings"

	"github.com/injectkit/injectkit/internal/scalar"
	"github.com/injectkit/injectkit/signatures"
)

// bounds is the range an int param's tag gives it (`param:"min=0,max=5"`),
// either end optional: DecodeParams and ParseParam refuse a value out of
// it, as out of the Go type's, with the same reason (outOfRange).
type bounds struct {
	hasMin, hasMax bool
	min, max       int64
}

// setBound reads the tag option min=val or max=val of an int field.
func (f *paramField) setBound(key, val string) error {
	if f.kind == ParamDuration {
		// The guide says so; the error did not, and a newcomer's
		// `param:"min=1s"` got "not an integer" alone (tester t155).
		return fmt.Errorf("%s= on a field that is not an integer: a duration takes no range; check it in the params' Validate, "+
			"and say it in the doc tag", key)
	}
	if f.kind != ParamInt {
		return fmt.Errorf("%s= on a field that is not an integer", key)
	}
	n, err := strconv.ParseInt(val, 10, 64)
	if err != nil {
		return fmt.Errorf("%s=%s is not a whole number in int64's range", key, val)
	}
	if key == "min" {
		f.hasMin, f.min = true, n
	} else {
		f.hasMax, f.max = true, n
	}
	return nil
}

// checkBounds checks the tag's range against the field's Go type t: each
// end in t's range, min at most max.
func (f *paramField) checkBounds(t reflect.Type) error {
	if !f.hasMin && !f.hasMax {
		return nil
	}
	lo, hi, _ := intRange(t)
	for _, b := range []struct {
		key string
		set bool
		n   int64
	}{{"min", f.hasMin, f.min}, {"max", f.hasMax, f.max}} {
		if b.set && !inRange(big.NewInt(b.n), lo, hi) {
			return fmt.Errorf("%s=%d is out of %s's range (%s to %s)", b.key, b.n, t, lo, hi)
		}
	}
	if f.hasMin && f.hasMax && f.min > f.max {
		return fmt.Errorf("min=%d is greater than max=%d", f.min, f.max)
	}
	return nil
}

// checkDefault checks that the default NewParams gives the field is in
// the tag's range, unless skip (a required param's zero value is no
// default). The error names the param by its json name, as every other
// message does, and says what to change: the field names only the Go
// field, which a newcomer's NewParams sets (tester t155).
func (f *paramField) checkDefault(v reflect.Value, skip bool) error {
	if skip || f.inBounds(v) {
		return nil
	}
	lo, hi := f.paramRange(v.Type())
	return fmt.Errorf("param %s: default %s is out of its range (%s to %s): set a default within it in NewParams, "+
		"or change the tag's min= or max=", f.name, intText(v), lo, hi)
}

// inBounds reports whether the int field's value v is in the tag's range
// (true without one); it does not allocate.
func (f *paramField) inBounds(v reflect.Value) bool {
	if v.CanInt() {
		n := v.Int()
		return !(f.hasMin && n < f.min || f.hasMax && n > f.max)
	}
	u := v.Uint()
	return !(f.hasMin && f.min > 0 && u < uint64(f.min) || f.hasMax && (f.max < 0 || u > uint64(f.max)))
}

// rangeCheck is the error of an int field holding v out of its tag's
// range, on its json name; nil when in range.
func (f *paramField) rangeCheck(v reflect.Value) error {
	if f.inBounds(v) {
		return nil
	}
	lo, hi := f.paramRange(v.Type())
	return &signatures.ValidationError{Field: f.name, Value: intText(v), Reason: outOfRange(lo, hi)}
}

// intText is the integer v in decimal (without reflect.Value.Interface,
// which would move the params checked to the heap).
func intText(v reflect.Value) string {
	if v.CanInt() {
		return strconv.FormatInt(v.Int(), 10)
	}
	return strconv.FormatUint(v.Uint(), 10)
}

// paramRange is the range ParamsSpec gives the int param of Go type t:
// the tag's, each end it leaves out t's; without a tag t's intRange, or
// none ("") when that is int64's, which bounds every int param.
func (f *paramField) paramRange(t reflect.Type) (lo, hi string) {
	lo, hi, ok := intRange(t)
	if !ok {
		return "", ""
	}
	if f.hasMin {
		lo = strconv.FormatInt(f.min, 10)
	}
	if f.hasMax {
		hi = strconv.FormatInt(f.max, 10)
	}
	if !f.hasMin && !f.hasMax && lo == fmt.Sprint(int64(math.MinInt64)) && hi == fmt.Sprint(int64(math.MaxInt64)) {
		return "", ""
	}
	return lo, hi
}

// rangeReason is why a JSON number could not decode into an integer
// field: a whole number out of its range (outOfRange), the one fields
// give the param when they have it, else the Go type's; a number not
// whole (1.5) not an integer, in --param's words (scalar.ErrNotInteger); "" when
// the value is no number or the field no integer. A number written with
// an exponent (1e20, 1e300) is whole when its value is.
func rangeReason(te *json.UnmarshalTypeError, fields []paramField) string {
	literal, ok := strings.CutPrefix(te.Value, "number ")
	if !ok || te.Type == nil {
		return ""
	}
	lo, hi, ok := intRange(te.Type)
	if !ok {
		return ""
	}
	if !scalar.Whole(literal) {
		return scalar.ErrNotInteger.Error() // as --param and a platform message say it
	}
	if f, found := fieldFor(fields, te.Field); found && f.kind == ParamInt {
		lo, hi = f.paramRange(te.Type)
		if lo == "" { // int64's, hidden from the manifest only
			lo, hi, _ = intRange(te.Type)
		}
	}
	return outOfRange(lo, hi)
}

// inRange reports whether n is from lo to hi (decimal text).
func inRange(n *big.Int, lo, hi string) bool {
	l, _ := new(big.Int).SetString(lo, 10)
	h, _ := new(big.Int).SetString(hi, 10)
	return l != nil && h != nil && n.Cmp(l) >= 0 && n.Cmp(h) <= 0
}

// intRange returns, as decimal text, the least and the greatest whole
// number an integer type t (or a pointer to one) holds, and whether it is
// one: the range the decoder refuses a value out of, and the one ParamsSpec
// gives an int param without a tag's.
func intRange(t reflect.Type) (lo, hi string, ok bool) {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		hi := uint64(math.MaxUint64) >> (65 - t.Bits())
		return fmt.Sprint(-int64(hi) - 1), fmt.Sprint(hi), true
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return "0", fmt.Sprint(uint64(math.MaxUint64) >> (64 - t.Bits())), true
	}
	return "", "", false
}

// outOfRange is the one reason given for a whole number out of an int
// param's range, whichever intake (--param, an inject file, a queue
// message) and step (the decoder, the tag's range check) refused it: the
// wording of the range checks injectors write in Validate.
func outOfRange(lo, hi string) string {
	return "must be between " + lo + " and " + hi
}

// ReasonNumberRange is the Reason of the *signatures.ValidationError of a
// JSON number past what any number is read as (1e400, -1e400): one that
// is no param's value on its own (an item of a list, a member of an
// object), or any number, at any depth, of an executor without
// ParamsFactory. A param's own number is judged by the param's type
// instead, as --param judges the same text: an int's range, a duration's
// "too long".
const ReasonNumberRange = "out of range: want a number from -1.7976931348623157e308 to 1.7976931348623157e308"

// floatNumbers returns v, params as a request decoded them (a json.Number
// for each number, as written), with each number a float64, in nested
// objects and lists too, as encoding/json gives numbers to an any: the
// params an executor without ParamsFactory receives. With keepIntegers an
// integer written as one (no fraction, no exponent) stays as written, so
// that it decodes into an integer field exact past 2^53, and another whole
// number (1.0, 1.5e3) is its integer's digits (scalar.Exact), exact too;
// 1.5 is float64 as before. A map or list holding no number changed is
// returned as it is; changed says whether v held one.
func floatNumbers(v any, keepIntegers bool) (out any, changed bool) {
	switch x := v.(type) {
	case json.Number:
		if _, whole := new(big.Int).SetString(x.String(), 10); whole && keepIntegers {
			return v, false
		}
		if keepIntegers && scalar.Whole(x.String()) {
			// 1.0, 3e2: their value, exact, not a float64's 53 bits.
			if digits, ok := scalar.Exact(x.String()); ok {
				return json.Number(digits), true
			}
		}
		if f, err := x.Float64(); err == nil {
			return f, true
		}
	case map[string]any:
		var m map[string]any
		for k, e := range x {
			if f, ok := floatNumbers(e, keepIntegers); ok {
				if m == nil {
					m = maps.Clone(x)
				}
				m[k] = f
			}
		}
		if m != nil {
			return m, true
		}
	case []any:
		var l []any
		for i, e := range x {
			if f, ok := floatNumbers(e, keepIntegers); ok {
				if l == nil {
					l = slices.Clone(x)
				}
				l[i] = f
			}
		}
		if l != nil {
			return l, true
		}
	}
	return v, false
}

// numbersInRange refuses a param of raw whose value is, or holds at any
// depth (an item of a list, a member of an object), a number past
// float64's range (1e400), which no executor without ParamsFactory could
// be handed as a number: named in the order of the keys, with its value
// as written.
func numbersInRange(raw map[string]any) error {
	for _, k := range slices.Sorted(maps.Keys(raw)) {
		if pastRange(raw[k]) {
			return invalidParam(k, paramText(raw[k]), ReasonNumberRange)
		}
	}
	return nil
}

// pastRange reports whether v is or holds a number no float64 holds.
func pastRange(v any) bool {
	switch x := v.(type) {
	case json.Number:
		_, err := x.Float64()
		return err != nil
	case map[string]any:
		for _, e := range x {
			if pastRange(e) {
				return true
			}
		}
	case []any:
		return slices.ContainsFunc(x, pastRange)
	}
	return false
}

// mapParams returns the params an executor without ParamsFactory receives:
// a deep copy of raw's maps and slices (an empty map for nil), numbers as
// float64 (floatNumbers).
func mapParams(raw map[string]any) map[string]any {
	m := map[string]any{}
	if raw != nil {
		m = deepCopy(reflect.ValueOf(raw)).Interface().(map[string]any)
	}
	if f, ok := floatNumbers(m, false); ok {
		m = f.(map[string]any)
	}
	return m
}

// deepCopy returns a copy of v sharing no map or slice with it.
func deepCopy(v reflect.Value) reflect.Value {
	switch v.Kind() {
	case reflect.Interface:
		if !v.IsNil() {
			return deepCopy(v.Elem())
		}
	case reflect.Map:
		if !v.IsNil() {
			m := reflect.MakeMapWithSize(v.Type(), v.Len())
			for it := v.MapRange(); it.Next(); {
				m.SetMapIndex(it.Key(), deepCopy(it.Value()))
			}
			return m
		}
	case reflect.Slice:
		if !v.IsNil() {
			s := reflect.MakeSlice(v.Type(), v.Len(), v.Len())
			for i := range v.Len() {
				s.Index(i).Set(deepCopy(v.Index(i)))
			}
			return s
		}
	}
	return v
}
