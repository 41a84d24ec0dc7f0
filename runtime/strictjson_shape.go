package runtime

import (
	"maps"
	"reflect"
	"slices"
	"strings"
	"sync"
)

// The shape of an inject file: the JSON each field of Request takes,
// derived once from the Go types by their json tags, which the checker
// (strictjson.go) walks the file against.

// shapeKind is what JSON a field takes.
type shapeKind uint8

const (
	anyJSON  shapeKind = iota // any value (params)
	object                    // a struct: known keys, matched exactly
	dict                      // a map: any key, values of one shape
	list                      // an array
	text                      // a string
	duration                  // a Duration: a string or a number
)

// shape is the JSON a Go type decodes from, derived from its type once.
type shape struct {
	kind   shapeKind
	fields map[string]*shape // object: by exact key
	elem   *shape            // dict, list
	// param marks a param's own value: a number past float64's range
	// (1e400) is left to the params' decoding, which judges it by the
	// param's type as --param judges the same text.
	param bool
}

var freeShape = &shape{kind: anyJSON}

// requestShape is Request's shape, derived on first use: a command that
// reads no inject file (run with flags, a targets file) never walks
// Request's type, which a package init did at every start.
var requestShape = sync.OnceValue(func() *shape { return withParams(shapeOf(reflect.TypeFor[Request]())) })

// withParams returns s, Request's shape, with each value of its params
// marked as a param's own (shape.param).
func withParams(s *shape) *shape {
	s.fields["params"] = &shape{kind: dict, elem: &shape{kind: anyJSON, param: true}}
	return s
}

// shapeOf returns the shape of t: strings, slices, string-keyed maps,
// structs by their json tags, Duration; anything else takes any JSON and
// is left to encoding/json.
func shapeOf(t reflect.Type) *shape {
	switch {
	case t == reflect.TypeFor[Duration]():
		return &shape{kind: duration}
	case t.Kind() == reflect.String:
		return &shape{kind: text}
	case t.Kind() == reflect.Slice:
		return &shape{kind: list, elem: shapeOf(t.Elem())}
	case t.Kind() == reflect.Map && t.Key().Kind() == reflect.String:
		return &shape{kind: dict, elem: shapeOf(t.Elem())}
	case t.Kind() == reflect.Struct:
		s := &shape{kind: object, fields: map[string]*shape{}}
		for i := range t.NumField() {
			f := t.Field(i)
			name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
			switch {
			case !f.IsExported() || name == "-":
				continue
			case name == "":
				name = f.Name
			}
			s.fields[name] = shapeOf(f.Type)
		}
		return s
	}
	return freeShape
}

// describe names the JSON a shape wants, for an error.
func (s *shape) describe() string {
	switch s.kind {
	case object, dict:
		return "an object"
	case list:
		return "an array"
	case text:
		return "a string"
	case duration:
		return `a duration (a string such as "30s", or a number of seconds)`
	}
	return "a JSON value"
}

// keyOf returns the key of a struct shape equal to key but for case, or
// "".
func (s *shape) keyOf(key string) string {
	for k := range s.fields {
		if strings.EqualFold(k, key) {
			return k
		}
	}
	return ""
}

// known lists the keys of a struct shape.
func (s *shape) known() string {
	return strings.Join(s.names(), ", ")
}

// names returns the keys of a struct shape, sorted.
func (s *shape) names() []string {
	return slices.Sorted(maps.Keys(s.fields))
}
