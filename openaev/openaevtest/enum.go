package openaevtest

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
)

// enumType is a Java enum of the platform's inputs, as Jackson binds it.
type enumType struct {
	java string // the type's name, as Jackson's refusals give it
	// names are the constants' names: in declaration order when indexed,
	// else sorted (the order was not read).
	names   []string
	known   map[string]bool
	indexed bool // a JSON index names the constant at that place
}

// at is the constant at index n, or false when out of range or the order
// is not known.
func (e enumType) at(n int64) (string, bool) {
	if !e.indexed || n < 0 || n >= int64(len(e.names)) {
		return "", false
	}
	return e.names[n], true
}

// bindEnum binds a non-null value x (a string, a json.Number holding the
// number's text as written, a bool, a map or a list) to a constant of e as
// Jackson 2.19's EnumDeserializer does (FAIL_ON_NUMBERS_FOR_ENUMS off; the
// constants' @JsonProperty, where present, is their name): a constant's
// name; else that name once Java's trim has stripped the string (a blank
// string fails); else a string of digits not starting with 0 (but "0"),
// read as the constant's index; a JSON integer is an index too. An index
// out of range, a fraction, a boolean, an object, a list: refused.
// (Jackson 2.14 also reads "01" as index 1; 2.19's is taken to refuse a
// leading zero, as bindAction has modelled it.)
func bindEnum(e enumType, x any) (string, string) {
	what := "Cannot deserialize value of type `" + e.java + "`"
	switch val := x.(type) {
	case string:
		if e.known[val] {
			return val, ""
		}
		name := javaTrim(val)
		switch {
		case e.known[name]:
			return name, ""
		case name == "":
			return "", fmt.Sprintf("%s from %q: an empty or blank String", what, val)
		case name[0] >= '1' && name[0] <= '9', name == "0":
			if n, err := strconv.ParseInt(name, 10, 32); err == nil {
				if c, ok := e.at(n); ok {
					return c, ""
				}
			}
		}
		return "", fmt.Sprintf("%s from String %q: not one of the values accepted for Enum class: [%s]", what, val, strings.Join(e.names, ", "))
	case json.Number:
		text := string(val)
		if strings.ContainsAny(text, ".eE") {
			return "", fmt.Sprintf("%s from Floating-point value %s", what, text)
		}
		n, err := strconv.ParseInt(text, 10, 32)
		if err != nil {
			return "", fmt.Sprintf("Numeric value (%s) out of range of int", text)
		}
		if c, ok := e.at(n); ok {
			return c, ""
		}
		return "", fmt.Sprintf("%s from number %s: index value outside legal index range [0..%d]", what, text, len(e.names)-1)
	}
	return "", fmt.Sprintf("%s from %s", what, kindOf(x))
}

// kindOf names the kind of a decoded JSON value as Jackson's errors do.
func kindOf(x any) string {
	switch x.(type) {
	case map[string]any:
		return "Object value"
	case []any:
		return "Array value"
	case bool:
		return "Boolean value"
	case string:
		return "String value"
	}
	return "Number value"
}
