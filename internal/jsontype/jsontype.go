// Package jsontype owns the words an error uses for the JSON value a Go
// type decodes from, so that a user who wrote the wrong kind of value is
// told what to write ("want true or false"), never a Go type name ("want
// bool").
package jsontype

import "reflect"

// Describe returns what a JSON value must be to decode into a value of t:
// "a whole number", "a number", "true or false", "a string", "a list", "an
// object".
func Describe(t reflect.Type) string {
	if t == nil {
		return "a JSON value"
	}
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return "a whole number"
	case reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.Bool:
		return "true or false"
	case reflect.String:
		return "a string"
	case reflect.Slice, reflect.Array:
		return "a list"
	case reflect.Map, reflect.Struct:
		return "an object"
	}
	return "a JSON value"
}
