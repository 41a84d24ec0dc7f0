package framework

import (
	"encoding/json"
	"fmt"
	"math"
	"math/big"
	"reflect"
	"strings"
)

// rangeReason is why a whole number JSON could not decode into an integer
// field: "out of range" with the field's range, or "" when the value is
// not a whole number (1.5) or the field no integer.
func rangeReason(te *json.UnmarshalTypeError) string {
	literal, ok := strings.CutPrefix(te.Value, "number ")
	if !ok || te.Type == nil {
		return ""
	}
	if _, whole := new(big.Int).SetString(literal, 10); !whole {
		return ""
	}
	t := te.Type
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		hi := uint64(math.MaxUint64) >> (65 - t.Bits())
		return outOfRange(fmt.Sprint(-int64(hi)-1), fmt.Sprint(hi))
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return outOfRange("0", fmt.Sprint(uint64(math.MaxUint64)>>(64-t.Bits())))
	}
	return ""
}

func outOfRange(lo, hi string) string {
	return "out of range: want a whole number from " + lo + " to " + hi
}
