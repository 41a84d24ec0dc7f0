package framework

import (
	"errors"
	"fmt"
	"reflect"
)

// Errors of ParamsOf and ParamsAs.
var (
	// ErrNoParams: the inject holds no params (nil, or a nil pointer). The
	// runtime always sets Params to what NewParams returned, so only an
	// inject built by hand (a test) holds none.
	ErrNoParams = errors.New("no params")
	// ErrParamsType: the params are not of the executor's type.
	ErrParamsType = errors.New("params of the wrong type")
)

// ParamsOf returns the inject's params as the executor's own type T: the
// *T that NewParams returned and the runtime decoded (a T value is returned
// as a pointer to a copy). It never panics: a nil inject or nil params is an
// error wrapping ErrNoParams (an executor may substitute its defaults), any
// other type one wrapping ErrParamsType and naming both types.
//
//	p, err := framework.ParamsOf[Params](in)
func ParamsOf[T any](in *Inject) (*T, error) {
	if in == nil {
		return nil, fmt.Errorf("%w: nil inject, want *%s", ErrNoParams, reflect.TypeFor[T]())
	}
	return ParamsAs[T](in.Params)
}

// ParamsAs is ParamsOf for a params value on its own, as a ParamsValidator
// receives it.
func ParamsAs[T any](v any) (*T, error) {
	switch p := v.(type) {
	case *T:
		if p == nil {
			return nil, fmt.Errorf("%w: nil *%s", ErrNoParams, reflect.TypeFor[T]())
		}
		return p, nil
	case T:
		return &p, nil
	case nil:
		return nil, fmt.Errorf("%w: want *%s", ErrNoParams, reflect.TypeFor[T]())
	}
	if _, isMap := v.(map[string]any); isMap {
		// What the runtime hands an executor that is no ParamsFactory:
		// most often NewParams declared on *E while E is registered.
		return nil, fmt.Errorf("%w: got %T, want *%s: the runtime decodes params into a map for an executor "+
			"with no NewParams method (one declared on a pointer receiver is not the value's: register a pointer, "+
			"or declare NewParams on the value)", ErrParamsType, v, reflect.TypeFor[T]())
	}
	return nil, fmt.Errorf("%w: got %T, want *%s", ErrParamsType, v, reflect.TypeFor[T]())
}
