package framework

import (
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strconv"
	"strings"

	"github.com/injectkit/injectkit/internal/fold"
	"github.com/injectkit/injectkit/internal/structtag"
)

// The tags of a params field: parseTag reads the param tag's options;
// checkTagKeys and checkTagDefault refuse what would not be read as meant.
//
// A params field's struct tag is read by key, as reflect.StructTag.Get
// reads it: a key misspelt (params:"required", Doc:"…"), a tag malformed
// (param: "required", a space after the colon) or an option written as a
// key of its own (required:"true") is never read, and the param silently
// loses what the author declared. checkTagKeys names it. A default:"…"
// tag may be read by a library NewParams calls (creasty/defaults): it is
// refused only when it disagrees with NewParams' value (checkTagDefault).

// tagOptionKeys are the param tag's options, which an author may write as
// keys of their own.
var tagOptionKeys = map[string]string{
	"required": `param:"required"`,
	"enum":     `param:"enum=a|b"`,
	"example":  `param:"example=v"`,
	"min":      `param:"min=n"`,
	"max":      `param:"max=n"`,
}

// parseTag reads the param tag's options: enum=a|b, required, example=v.
func (f *paramField) parseTag(tag string) error {
	if tag == "" {
		return nil
	}
	given := map[string]bool{}
	for opt := range strings.SplitSeq(tag, ",") {
		key, val, hasVal := strings.Cut(strings.TrimSpace(opt), "=")
		// An option given twice is a slip (enum=a|b,enum=c; min=1,min=2):
		// one of the two would be dropped without a word.
		if given[key] && slices.Contains([]string{"required", "example", "min", "max", "enum"}, key) {
			return fmt.Errorf("param tag option %s given twice in %q: give it once", key, tag)
		}
		given[key] = true
		switch {
		case key == "required" && !hasVal:
			f.required = true
		case key == "example" && hasVal && val != "":
			f.example = val
		case (key == "min" || key == "max") && hasVal:
			if err := f.setBound(key, val); err != nil {
				return err
			}
		case key == "enum" && hasVal:
			if f.kind != ParamString {
				return errors.New("enum on a field that is not a string")
			}
			for e := range strings.SplitSeq(val, "|") {
				if e == "" || slices.Contains(f.enum, e) {
					return fmt.Errorf("enum %q holds an empty or repeated value", val)
				}
				f.enum = append(f.enum, e)
			}
			f.kind = ParamEnum
		default:
			return fmt.Errorf("unknown param tag option %q (valid: enum=a|b, min=n, max=n, required, example=v)", opt)
		}
	}
	return nil
}

// checkTagKeys refuses, in a params field's tag, a key that is a near
// miss of param or doc, a param option written as a key, and a tag whose
// syntax reflect stops reading at.
func checkTagKeys(tag reflect.StructTag) error {
	keys, err := tagKeys(string(tag))
	if err != nil {
		return err
	}
	for _, key := range keys {
		lower := strings.ToLower(key)
		if key == "param" || key == "doc" {
			continue
		}
		if want, ok := tagOptionKeys[lower]; ok {
			return fmt.Errorf("tag key %q is read by nothing: write %s", key, want)
		}
		for _, want := range []string{"param", "doc"} {
			if lower == want || lower == want+"s" || fold.Distance(lower, want) == 1 ||
				(want == "param" && strings.HasPrefix(lower, "parameter")) {
				return fmt.Errorf("tag key %q is read by nothing: did you mean %s:\"…\"?", key, want)
			}
		}
	}
	return nil
}

// tagKeys lists the keys of a struct tag, in the conventional syntax
// reflect.StructTag.Lookup reads (key:"value" pairs separated by spaces);
// an error where that syntax breaks, since Lookup reads nothing past it.
func tagKeys(tag string) ([]string, error) {
	var keys []string
	for rest := tag; strings.TrimLeft(rest, " ") != ""; {
		key, quoted, r, ok := structtag.Next(rest)
		switch {
		case !ok && key == "":
			return nil, fmt.Errorf("struct tag `%s` is malformed at %q (key:\"value\" pairs separated by spaces, no space after the colon): "+
				"what follows is never read", tag, r)
		case !ok:
			return nil, fmt.Errorf("struct tag `%s` is malformed: the value of %s is not closed", tag, key)
		}
		if _, err := strconv.Unquote(quoted); err != nil {
			return nil, fmt.Errorf("struct tag `%s` is malformed: the value of %s is no Go string", tag, key)
		}
		keys = append(keys, key)
		rest = r
	}
	return keys, nil
}

// checkTagDefault refuses a default:"…" tag that is not the default
// NewParams gives the param p (the field's value formatted, def), as the
// param reads both.
func checkTagDefault(p Param, tag, def string) error {
	if tag == def {
		return nil
	}
	m := &Manifest{Params: []Param{p}}
	if a, err := parseParam(m, p.Name, tag); err == nil {
		if b, err := parseParam(m, p.Name, def); err == nil && reflect.DeepEqual(a, b) {
			return nil
		}
	}
	return fmt.Errorf("tag default:%q is not the default, which is the value NewParams sets (%q here): set the field there", tag, def)
}
