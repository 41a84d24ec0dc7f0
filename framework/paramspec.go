package framework

import (
	"encoding"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/injectkit/injectkit/signatures"
)

// DurationDoc is appended to the doc of every duration param by ParamsSpec:
// how a duration is written.
const DurationDoc = "30s, 1m30s, or a bare number of seconds"

// ErrParamsSpec marks a params struct ParamsSpec cannot describe: an
// unsupported field type, a malformed param tag, a missing, malformed or
// duplicate name. It is a programming error of the injector.
var ErrParamsSpec = errors.New("params spec")

// ParamsSpec derives the manifest's parameter list from v, the value an
// executor's NewParams returns (a pointer to a struct, or a struct): one
// Param per exported field, in field order, so that a parameter is declared
// once, as a field.
//
// Each field gives:
//   - Name: its json name (`json:"scan_type"`): lowercase letters, digits
//     and underscores. An exported field without a json name is an error
//     (a Go field name is no param name); one tagged `json:"-"` is not a
//     param. An embedded struct without a
//     json name contributes its own fields, as encoding/json flattens them.
//   - Type: from the Go type: string is ParamString (ParamEnum when the tag
//     lists values), bool is ParamBool, every integer kind is ParamInt and
//     time.Duration is ParamDuration. Any other type is an error, a type
//     of one's own on int64 too (type Timeout time.Duration is one, which
//     reflection cannot tell from type Count int64).
//   - Min and Max: an int param's range, the one DecodeParams and
//     ParseParam refuse a value out of ("must be between 0 and 5"): the
//     tag's min= and max= (below), an end it leaves out the Go type's;
//     without them the range of an integer kind narrower than int64 (0
//     and 255 for a uint8), none for int and int64.
//   - Default: the field's value in v, formatted as the command line takes
//     it (strconv for numbers and booleans, time.Duration.String for
//     durations, "0s" included); "" (no default) for a required param,
//     which NewParams must leave at its zero value (0, false, "0s" are
//     no choice): a required param with a default (Port: 80) is an
//     error, since every profile must then ask for it (--param and an
//     inject file refuse it missing; the platform's form would send the
//     default pre-filled, unchosen).
//     A duration's default is 0 or more, as ParseDuration reads one.
//   - Doc: the `doc:"…"` tag, free text (commas allowed). A duration param's
//     doc ends with DurationDoc.
//   - Enum and Required: the `param:"…"` tag, comma-separated options:
//     enum=a|b|c lists the only valid values of a string field, its
//     default among them unless the param is required (no default);
//     required means the param must be
//     given a value (DecodeParams rejects an inject without it, with null,
//     or, a string, with ""); example=v is the value the CLI help's
//     examples give the param (Param.Example), one the param takes
//     (of its enum, within its range);
//     min=n and max=n bound an int field (either may be left out), in
//     its Go type's range, min at most max, its default within them
//     (unless required: no default). An unknown option is an error.
//     So is a tag key that misses param or doc (params:"required",
//     Doc:"…"), an option written as a key (required:"true",
//     default:"80") and a tag malformed (param: "required"): reflect
//     would not read them, and the param lose what they declare.
//
// For example:
//
//	type Params struct {
//		ScanType string        `json:"scan_type" param:"enum=connect|syn|fin" doc:"how to scan"`
//		Timing   int           `json:"timing" param:"min=0,max=5" doc:"timing template"`
//		Wait     time.Duration `json:"wait" doc:"pause between probes"`
//		Token    string        `json:"token" param:"required" doc:"API token"`
//	}
//
// A duration param is written as a Go duration ("30s", "1m30s") or as a bare
// number, which means seconds (2.5 is 2.5 s), in an inject file as on the
// command line; a negative duration is rejected (see ParseDuration).
//
// An error wraps ErrParamsSpec and names the field.
func ParamsSpec(v any) ([]Param, error) {
	rv := reflect.ValueOf(v)
	for rv.Kind() == reflect.Pointer {
		if rv.IsNil() {
			return nil, fmt.Errorf("%w: nil %s", ErrParamsSpec, rv.Type())
		}
		rv = rv.Elem()
	}
	if rv.Kind() != reflect.Struct {
		return nil, fmt.Errorf("%w: %T is not a struct", ErrParamsSpec, v)
	}
	fields, err := paramFields(rv.Type())
	if err != nil {
		return nil, err
	}
	params := make([]Param, len(fields))
	for i, f := range fields {
		field := rv.FieldByIndex(f.index)
		p := Param{Name: f.name, Type: f.kind, Doc: f.doc, Enum: f.enum, Required: f.required,
			Default: formatDefault(field), Example: f.example}
		if f.hasTagDefault {
			if err := checkTagDefault(p, f.tagDefault, p.Default); err != nil {
				return nil, &paramDefaultError{f.goName, f.name, err}
			}
		}
		if f.required {
			// A required param has no default: every profile must ask for
			// it. One NewParams sets would be shown by `injectors`,
			// pre-filled on the platform's form (so sent without anyone
			// choosing it), and refused as missing by --param and an
			// inject file alike.
			if !field.IsZero() {
				return nil, &paramDefaultError{f.goName, f.name, fmt.Errorf("param %s: %s", f.name, requiredDefault(p))}
			}
			p.Default = "" // its zero value is no choice
		}
		if f.kind == ParamInt {
			p.Min, p.Max = f.paramRange(field.Type())
			if err := f.checkDefault(field, f.required); err != nil {
				return nil, &paramDefaultError{f.goName, f.name, err}
			}
		}
		// The example is read as the help's example gives it, range
		// included: one out of min= and max= makes an example that exits 2.
		if p.Example != "" {
			if _, err := (&Manifest{Params: []Param{p}}).ParseParam(p.Name, p.Example); err != nil {
				return nil, fmt.Errorf("%w: field %s: example: %w", ErrParamsSpec, f.goName, err)
			}
		}
		if f.kind == ParamDuration {
			p.Doc = durationDoc(p.Doc)
			// ParseDuration refuses a negative duration wherever a param
			// is written: such a default could never be given back (the
			// platform's form sends it pre-filled, and the inject is refused).
			if field.Int() < 0 {
				return nil, &paramDefaultError{f.goName, f.name, fmt.Errorf("default %s is negative, which the param refuses wherever it is given "+
					"(--param, an inject file, the platform's form pre-filled with it): make it 0 or more", p.Default)}
			}
		}
		// A required param has no default: its zero value is no choice.
		if p.Type == ParamEnum && !p.Required && !slices.Contains(p.Enum, p.Default) {
			return nil, &paramDefaultError{f.goName, f.name, fmt.Errorf("default %q is not one of %s: set one of them in NewParams, "+
				"or add it to the tag's enum=", p.Default, strings.Join(p.Enum, ", "))}
		}
		params[i] = p
	}
	return params, nil
}

// requiredDefault says why p, required, may not have its default: the
// rule ParamsSpec and ValidateManifest hold a param to.
func requiredDefault(p Param) string {
	def := p.Default
	if p.Type == ParamString || p.Type == ParamEnum {
		def = strconv.Quote(def)
	}
	return "required and a default of " + def + ": a required param takes no default " +
		"(drop `required`, or leave the field zero in NewParams)"
}

// CheckEnums checks that every enum field of v (a params struct or a
// pointer to one, see ParamsSpec) holds one of the values its tag lists,
// and every int field with a min= or max= option a value in that range. A
// bad value is a *signatures.ValidationError on the field's json name. The
// runtime checks enums and ranges before the params' Validate (see
// CheckParams); a Validate method checks them too, so that params built by hand are
// checked the same way, through an EnumCheck made once for its type
// (CheckEnums parses the tags at each call: it is for a one-off check). A
// struct with a field ParamsSpec has no param for (a float64, say) has no
// enums to check (nil); one ParamsSpec rejects only for an enum's default
// has its enums checked.
func CheckEnums(v any) error { return checkEnums(v, nil) }

// checkEnums is CheckEnums, fields those of v's struct type when known
// (nil: derived from it).
func checkEnums(v any, fields []paramField) error {
	rv := reflect.ValueOf(v)
	for rv.Kind() == reflect.Pointer {
		if rv.IsNil() {
			return nil
		}
		rv = rv.Elem()
	}
	if rv.Kind() != reflect.Struct {
		return nil
	}
	if fields == nil {
		var err error
		if fields, err = paramFields(rv.Type()); err != nil {
			return nil // not described by ParamsSpec: no enum to check
		}
	}
	for _, f := range fields {
		if f.kind == ParamInt {
			if err := f.rangeCheck(rv.FieldByIndex(f.index)); err != nil {
				return err
			}
			continue
		}
		if f.kind != ParamEnum {
			continue
		}
		if s := rv.FieldByIndex(f.index).String(); !slices.Contains(f.enum, s) {
			return &signatures.ValidationError{Field: f.name, Value: s, Reason: "not one of " + strings.Join(f.enum, ", ")}
		}
	}
	return nil
}

// MustParamsSpec is ParamsSpec for a Manifest method: it panics when v
// cannot be described, a programming error that Conformance and any test
// calling Manifest reveal.
func MustParamsSpec(v any) []Param {
	p, err := ParamsSpec(v)
	if err != nil {
		panic("framework: " + err.Error())
	}
	return p
}

func durationDoc(doc string) string {
	if doc == "" {
		return DurationDoc
	}
	return doc + " (" + DurationDoc + ")"
}

// paramField is one param of a params struct, as its field declares it.
type paramField struct {
	index    []int
	goName   string
	name     string
	kind     string // a Param* type
	doc      string
	enum     []string
	required bool
	example  string
	// tagDefault is the field's default:"…" tag, when it has one
	// (checkTagDefault).
	tagDefault    string
	hasTagDefault bool
	bounds        // the tag's min= and max= (an int field only)
}

var (
	durationType    = reflect.TypeFor[time.Duration]()
	jsonUnmarshaler = reflect.TypeFor[json.Unmarshaler]()
	textUnmarshaler = reflect.TypeFor[encoding.TextUnmarshaler]()
)

// paramFields lists the params of struct type t (a pointer is followed).
func paramFields(t reflect.Type) ([]paramField, error) {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t.Kind() != reflect.Struct {
		return nil, fmt.Errorf("%w: %s is not a struct", ErrParamsSpec, t)
	}
	var out []paramField
	if err := appendFields(&out, t, nil); err != nil {
		return nil, err
	}
	seen := map[string]paramField{}
	for _, f := range out {
		if first, dup := seen[f.name]; dup {
			return nil, fmt.Errorf("%w: two fields are named %q: %s and %s (rename one's json tag, or tag it `json:\"-\"`)",
				ErrParamsSpec, f.name, fieldPath(t, first.index), fieldPath(t, f.index))
		}
		seen[f.name] = f
	}
	return out, nil
}

func appendFields(out *[]paramField, t reflect.Type, index []int) error {
	for i := range t.NumField() {
		sf := t.Field(i)
		name, opts, _ := strings.Cut(sf.Tag.Get("json"), ",")
		if name == "-" && opts == "" {
			continue
		}
		idx := append(slices.Clip(index), i)
		if sf.Anonymous && name == "" {
			ft := sf.Type
			if ft.Kind() == reflect.Struct {
				if err := appendFields(out, ft, idx); err != nil {
					return err
				}
				continue
			}
			if ft.Kind() == reflect.Pointer {
				return fmt.Errorf("%w: field %s: embedded pointers are not supported", ErrParamsSpec, sf.Name)
			}
		}
		if !sf.IsExported() {
			continue
		}
		if slices.Contains(strings.Split(opts, ","), "string") {
			return fmt.Errorf("%w: field %s: the json string option is not supported", ErrParamsSpec, sf.Name)
		}
		f := paramField{index: idx, goName: sf.Name, name: name, doc: sf.Tag.Get("doc")}
		kind, err := paramKind(sf.Type)
		if err != nil {
			return fmt.Errorf("%w: field %s: %w", ErrParamsSpec, sf.Name, err)
		}
		f.kind = kind
		if name == "" {
			return fmt.Errorf("%w: field %s: no json name (tag it `json:\"%s\"` to make it a param, `json:\"-\"` to leave it out)",
				ErrParamsSpec, sf.Name, snake(sf.Name))
		}
		if !validParamName(name) {
			return fmt.Errorf("%w: field %s: param name %q: want lowercase letters, digits and underscores", ErrParamsSpec, sf.Name, name)
		}
		if err := checkTagKeys(sf.Tag); err != nil {
			return fmt.Errorf("%w: field %s: %w", ErrParamsSpec, sf.Name, err)
		}
		f.tagDefault, f.hasTagDefault = sf.Tag.Lookup("default")
		if err := f.parseTag(sf.Tag.Get("param")); err != nil {
			return fmt.Errorf("%w: field %s: %w", ErrParamsSpec, sf.Name, err)
		}
		if err := f.checkBounds(sf.Type); err != nil {
			return fmt.Errorf("%w: field %s: %w", ErrParamsSpec, sf.Name, err)
		}
		*out = append(*out, f)
	}
	return nil
}

// paramKind maps a Go type to a Param type.
func paramKind(t reflect.Type) (string, error) {
	if t == durationType {
		return ParamDuration, nil
	}
	if t.Kind() == reflect.Int64 && t.PkgPath() != "" {
		// type Timeout time.Duration is, to reflect, a type on int64:
		// taken for an int, a bare 30 would be 30ns and "30s" refused.
		return "", fmt.Errorf("type %s is defined on int64, as a type defined on time.Duration is (reflection cannot tell them apart): "+
			"its values would be read as whole numbers, a duration's as nanoseconds; "+
			"declare the field time.Duration for a duration, int64 for a number", t)
	}
	if t.Implements(jsonUnmarshaler) || reflect.PointerTo(t).Implements(jsonUnmarshaler) ||
		t.Implements(textUnmarshaler) || reflect.PointerTo(t).Implements(textUnmarshaler) {
		return "", fmt.Errorf("type %s decodes itself; use string, bool, an integer or time.Duration", t)
	}
	switch t.Kind() {
	case reflect.String:
		return ParamString, nil
	case reflect.Bool:
		return ParamBool, nil
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return ParamInt, nil
	}
	if k := t.Kind(); k == reflect.Slice || k == reflect.Array {
		// A list is the first param a newcomer reaches for: say how.
		return "", fmt.Errorf("unsupported type %s: a param is no list (the platform's form gives one value per field); "+
			"declare a string holding the items separated by commas (nmap's ports: \"22,80\") and split it in Validate and Execute", t)
	}
	return "", fmt.Errorf("unsupported type %s (want string, bool, an integer or time.Duration)", t)
}

// fieldPath names the field of struct type t at index as Go would select
// it, through the embedded structs it is promoted from (Common.Verbose).
func fieldPath(t reflect.Type, index []int) string {
	names := make([]string, len(index))
	for i, n := range index {
		f := t.Field(n)
		names[i], t = f.Name, f.Type
	}
	return strings.Join(names, ".")
}

// formatDefault formats a field's value the way ParseParam reads it back.
func formatDefault(v reflect.Value) string {
	if v.Type() == durationType {
		return time.Duration(v.Int()).String()
	}
	switch v.Kind() {
	case reflect.String:
		return v.String()
	case reflect.Bool:
		return strconv.FormatBool(v.Bool())
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return strconv.FormatInt(v.Int(), 10)
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return strconv.FormatUint(v.Uint(), 10)
	}
	return fmt.Sprint(v.Interface())
}
