package frameworktest

import (
	"fmt"
	"reflect"
)

// pointerOnly says, when ex is a value whose pointer type has the method
// name it lacks, that the method's pointer receiver is why: a newcomer's
// Manifest on *E, E registered, left the runtime without a manifest, and
// its params a map, with no word of why (tester t190). Else it is "".
func pointerOnly(ex any, name string) string {
	v := reflect.TypeOf(ex)
	if v == nil || v.Kind() == reflect.Pointer {
		return ""
	}
	if _, ok := v.MethodByName(name); ok {
		return ""
	}
	if _, ok := reflect.PointerTo(v).MethodByName(name); !ok {
		return ""
	}
	return fmt.Sprintf(": *%s has %s, a pointer receiver's method, which a %s value lacks: "+
		"register and test a pointer (&%s{}), or declare %s on the value, or the runtime finds no manifest, params or settings",
		v, name, v, v.Name(), name)
}
