package openaevtest

import (
	"encoding/json"
	"fmt"
	"math"
	"math/big"
	"strconv"
	"strings"
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
// Double.toString (javaDouble).
func treeNumber(n json.Number) json.Number {
	if isIntText(string(n)) {
		i, _ := new(big.Int).SetString(string(n), 10)
		return json.Number(i.String())
	}
	f, _ := strconv.ParseFloat(string(n), 64) // ±Inf past the range, as Java's parseDouble
	return json.Number(javaDouble(f))
}

// javaDouble is Java 21's Double.toString: "Infinity", "-0.0"; from 10^-3
// up to 10^7 a plain decimal, else d.dddE±n; the shortest digits that
// read back as f, but never one digit alone when two are closer (4.9E-324,
// not 5E-324), and at least one digit after the point.
func javaDouble(f float64) string {
	switch {
	case math.IsInf(f, 1):
		return "Infinity"
	case math.IsInf(f, -1):
		return "-Infinity"
	case f == 0 && math.Signbit(f):
		return "-0.0"
	case f == 0:
		return "0.0"
	}
	e := strconv.FormatFloat(f, 'e', -1, 64)
	if mant, _, _ := strings.Cut(e, "e"); len(strings.Trim(mant, "-.")) == 1 {
		if two := strconv.FormatFloat(f, 'e', 1, 64); parsesTo(two, f) {
			e = two
		}
	}
	mant, exp, _ := strings.Cut(e, "e")
	x, _ := strconv.Atoi(exp)
	if a := math.Abs(f); a >= 1e-3 && a < 1e7 {
		digits := strings.ReplaceAll(strings.TrimPrefix(mant, "-"), ".", "")
		sign := mant[:len(mant)-len(strings.TrimPrefix(mant, "-"))]
		var s string
		if x < 0 {
			s = "0." + strings.Repeat("0", -x-1) + digits
		} else {
			digits += strings.Repeat("0", max(0, x+1-len(digits)))
			s = digits[:x+1] + "." + digits[x+1:]
		}
		s = strings.TrimRight(s, "0")
		if strings.HasSuffix(s, ".") {
			s += "0"
		}
		return sign + s
	}
	if !strings.Contains(mant, ".") {
		mant += ".0"
	}
	return mant + "E" + strconv.Itoa(x)
}

func parsesTo(s string, f float64) bool {
	g, err := strconv.ParseFloat(s, 64)
	return err == nil && g == f
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
