package framework

import "reflect"

// EnumCheck is CheckEnums (enums and int ranges) for params of struct type T, the struct's tags
// parsed once, by NewEnumCheck, where CheckEnums parses them at each call.
// A Validate method, run for every inject, checks through one made once
// for its type:
//
//	var paramEnums = framework.NewEnumCheck[Params]()
//
//	func (p *Params) Validate() error { return paramEnums.Check(p) }
type EnumCheck[T any] struct {
	fields []paramField // T's enum fields; nil: T is not described by ParamsSpec
}

// NewEnumCheck parses the tags of T, a params struct (see ParamsSpec). As
// for CheckEnums, a type with a field ParamsSpec has no param for has no
// enums to check.
func NewEnumCheck[T any]() EnumCheck[T] {
	fields, err := paramFields(reflect.TypeFor[T]())
	if err != nil {
		return EnumCheck[T]{}
	}
	enums := []paramField{}
	for _, f := range fields {
		if f.kind == ParamEnum || f.hasMin || f.hasMax {
			enums = append(enums, f)
		}
	}
	return EnumCheck[T]{fields: enums}
}

// Check is CheckEnums(v): a *signatures.ValidationError on the json name
// of the first enum field of v that holds none of the values its tag
// lists, or int field out of its tag's range; nil for a nil v.
func (c EnumCheck[T]) Check(v *T) error {
	if v == nil || c.fields == nil {
		return nil
	}
	return checkEnums(v, c.fields)
}
