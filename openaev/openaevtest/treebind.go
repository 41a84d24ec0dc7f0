package openaevtest

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/injectkit/injectkit/internal/findingrow"
)

// How 2.4.0 binds a contract's output elements (readOutputs), which it
// reads from a tree: ContentConverter's plain ObjectMapper reads the
// content into an ObjectNode (an integer an IntNode, LongNode or
// BigIntegerNode, any other number a DoubleNode: USE_BIG_DECIMAL_FOR_FLOATS
// off), then InjectorContractContentUtils.getContractOutputs binds each
// element with treeToValue into InjectorContractContentOutputElement
// (openaev-framework …/injector_contract/outputs/, type
// ContractOutputType, field String, labels String[], isMultiple and
// isFindingCompatible boolean). A number is the node's text, not as
// written: 1.50 is "1.5", 1E2 "100.0", -0 "0" (treeNumber). Checked
// against Jackson 2.14 with those classes; the platform runs 2.19 on
// Java 21.

// treeValue decodes raw, one JSON value, as that tree holds it: each
// number a json.Number holding the node's text (treeNumber).
func treeValue(raw []byte) any {
	return decodeNumbers(raw, func(n json.Number) any { return treeNumber(n) })
}

// isIntText reports a JSON integer's text: digits, after an optional
// minus sign.
func isIntText(s string) bool {
	s = strings.TrimPrefix(s, "-")
	return s != "" && strings.Trim(s, "0123456789") == ""
}

// treeNumber is the text of the node Jackson reads n into: an integer's
// value (BigInteger.toString: -0 is "0"), else the double's
// Double.toString (findingrow.NumberText).
func treeNumber(n json.Number) json.Number {
	return json.Number(findingrow.NumberText(n))
}

// bindBool binds a tree value (treeValue) to a Java boolean as Jackson
// 2.19 does: null false; a string Java-trimmed, "true", "True" or "TRUE"
// true, "false", "False" or "FALSE" false, and "", one of white space or
// "null" false; an integer true but for 0; a fraction, any other string,
// an object or a list refused.
func bindBool(x any) (bool, string) {
	const what = "Cannot deserialize value of type `boolean`"
	switch v := x.(type) {
	case nil:
		return false, ""
	case bool:
		return v, ""
	case string:
		switch javaTrim(v) {
		case "true", "True", "TRUE":
			return true, ""
		case "false", "False", "FALSE", "", "null":
			return false, ""
		}
		return false, fmt.Sprintf(`%s from String %q: only "true"/"True"/"TRUE" or "false"/"False"/"FALSE" recognized`, what, v)
	case json.Number:
		if !isIntText(string(v)) {
			return false, what + " from Floating-point value"
		}
		return v != "0", ""
	}
	return false, what + " from " + kindOf(x)
}

// bindStringArray binds a tree value to a Java String[] as Jackson 2.19
// does: null is null; a list of scalars (bindString; null elements kept)
// binds; anything else, "" and a bare string included, is refused
// (ACCEPT_SINGLE_VALUE_AS_ARRAY off).
func bindStringArray(x any) string {
	const what = "Cannot deserialize value of type `java.lang.String[]`"
	switch v := x.(type) {
	case nil:
		return ""
	case []any:
		for i, e := range v {
			if _, refusal := bindString(e); refusal != "" {
				return fmt.Sprintf("[%d]: %s", i, refusal)
			}
		}
		return ""
	}
	return what + " from " + kindOf(x)
}
